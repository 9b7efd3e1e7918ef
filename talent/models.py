"""Records of the talent app (article 14): people, their professional titles and vocational
qualifications, the registry of credentials each region's agency has issued, recognition requests
between the regions, recognition certificates anyone can verify by code, and two-way appointments."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import crypto
from portal.models import Organization, Region, User
from portal.validators import mask_id_number, mask_phone, normalize_id_number

__all__ = [
    "TitleSeries",
    "CredentialKind",
    "TitleLevel",
    "Person",
    "Credential",
    "RegistryImport",
    "RegistryEntry",
    "RequestState",
    "RecognitionRequest",
    "Certificate",
    "Appointment",
    "protect_id_number",
    "id_number_digest",
    "mask_name",
    "new_certificate_code",
]


# --------------------------------------------------------------------------- personal data


def protect_id_number(value: str) -> str:
    """The ID number encrypted for storage (the shared mechanism, portal.crypto)."""
    return crypto.encrypt(normalize_id_number(value))


def id_number_digest(value: str) -> str:
    """A keyed hash of the ID number: finds a person or a registry row without storing the number in clear."""
    return crypto.blind_index(normalize_id_number(value))


def mask_name(name: str) -> str:
    """张** : the family name's first character kept, the rest hidden."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def new_certificate_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "JJJ-" + "".join(secrets.choice(alphabet) for _ in range(12))


# --------------------------------------------------------------------------- reference data


class TitleSeries(models.Model):
    """A professional-title series (职称系列), loaded as data."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("title series")
        verbose_name_plural = _("title series")

    def __str__(self) -> str:
        return self.name


class CredentialKind(models.TextChoices):
    TITLE = "title", _("Professional title")
    QUALIFICATION = "qualification", _("Vocational qualification")


class TitleLevel(models.TextChoices):
    SENIOR_FULL = "senior_full", _("Full senior")
    SENIOR_DEPUTY = "senior_deputy", _("Deputy senior")
    INTERMEDIATE = "intermediate", _("Intermediate")
    JUNIOR = "junior", _("Junior")


PROVINCE_Q = Q(code__in=["110000", "120000", "130000"])


# --------------------------------------------------------------------------- people and credentials


class Person(models.Model):
    """A holder of credentials. The ID number is stored encrypted, with a keyed hash for look-ups
    and its masked form for display; the clear number is never stored."""

    name = models.CharField(_("name"), max_length=64)
    id_number_encrypted = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    employer = models.ForeignKey(
        Organization,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="talent_people",
        verbose_name=_("employer"),
    )
    contact = crypto.EncryptedCharField(_("contact"), max_length=100, blank=True)
    user = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="talent_person", verbose_name=_("account")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return mask_name(self.name)

    def set_id_number(self, value: str) -> None:
        number = normalize_id_number(value)
        self.id_number_encrypted = protect_id_number(number)
        self.id_number_hash = id_number_digest(number)
        self.id_number_masked = mask_id_number(number)

    @property
    def contact_masked(self) -> str:
        """What everyone without the right to the ID number sees of the contact (as of a phone number)."""
        return mask_phone(self.contact)

    def reveal_id_number(self) -> str:
        """The clear number; callers check the right to see it first (talent.permissions.may_see_id_number)."""
        return crypto.decrypt(self.id_number_encrypted)


class Credential(models.Model):
    """A professional title or vocational qualification issued in one region."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="credentials", verbose_name=_("holder"))
    kind = models.CharField(_("kind"), max_length=16, choices=CredentialKind.choices)
    series = models.ForeignKey(
        TitleSeries, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("series")
    )
    level = models.CharField(_("level"), max_length=16, choices=TitleLevel.choices, blank=True)
    name = models.CharField(
        _("title or qualification"), max_length=100, help_text=_("e.g. 高级工程师, 电工 (二级)")
    )
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    issuing_region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="+",
        limit_choices_to=PROVINCE_Q,
        verbose_name=_("issuing region"),
    )
    issuing_authority = models.CharField(_("issuing authority"), max_length=200)
    certificate_number = models.CharField(_("certificate number"), max_length=64)
    issued_on = models.DateField(_("date of issue"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "id"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_region", "certificate_number"], name="talent_credential_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(kind="qualification") | (Q(series__isnull=False) & ~Q(level="")),
                name="talent_title_has_series_and_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.certificate_number}"


class RegistryImport(models.Model):
    """One upload of an issuing region's registry; rows are processed one by one (Celery for large files)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("issuing region"))
    uploaded_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    file = models.FileField(upload_to="talent-imports/", max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows processed"), default=0)
    succeeded = models.PositiveIntegerField(_("rows imported"), default=0)
    failed = models.PositiveIntegerField(_("rows refused"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="talent_import_done_le_total"),
            models.CheckConstraint(
                condition=Q(succeeded__lte=F("done")) & Q(failed__lte=F("done")),
                name="talent_import_counts_le_done",
            ),
        ]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("talent:import_detail", args=[self.pk])

    @property
    def progress(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class RegistryEntry(models.Model):
    """A credential the region's agency has issued, as recorded in its own registry."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("issuing region"))
    certificate_number = models.CharField(_("certificate number"), max_length=64)
    holder_name = models.CharField(_("holder"), max_length=64)
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=CredentialKind.choices)
    series = models.ForeignKey(
        TitleSeries, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("series")
    )
    level = models.CharField(_("level"), max_length=16, choices=TitleLevel.choices, blank=True)
    name = models.CharField(_("title or qualification"), max_length=100)
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    issuing_authority = models.CharField(_("issuing authority"), max_length=200)
    issued_on = models.DateField(_("date of issue"))
    revoked = models.BooleanField(_("revoked"), default=False)
    source = models.ForeignKey(
        RegistryImport,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("import"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region", "certificate_number"]
        verbose_name = _("registry entry")
        verbose_name_plural = _("registry entries")
        constraints = [
            models.UniqueConstraint(fields=["region", "certificate_number"], name="talent_registry_unique"),
            models.CheckConstraint(
                condition=Q(kind="qualification") | (Q(series__isnull=False) & ~Q(level="")),
                name="talent_registry_title_has_series_and_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_number} {mask_name(self.holder_name)}"

    def matches(self, credential: Credential) -> bool:
        return (
            not self.revoked
            and self.region_id == credential.issuing_region_id
            and self.certificate_number == credential.certificate_number
            and self.id_number_hash == credential.person.id_number_hash
            and self.holder_name.strip() == credential.person.name.strip()
        )


# --------------------------------------------------------------------------- recognition


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFICATION_REQUESTED = "verification_requested", _("Verification requested")
    ACKNOWLEDGED = "acknowledged", _("Verification acknowledged")
    VERIFIED = "verified", _("Verified")
    NOT_VERIFIED = "not_verified", _("Not verified")
    RECOGNIZED = "recognized", _("Recognized")
    REFUSED = "refused", _("Recognition refused")
    REVOKED = "revoked", _("Recognition revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RecognitionRequest(models.Model):
    """A request that the host region recognize a credential issued in another region."""

    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    person = models.ForeignKey(Person, models.PROTECT, related_name="requests", verbose_name=_("holder"))
    credential = models.ForeignKey(
        Credential, models.PROTECT, related_name="requests", verbose_name=_("credential")
    )
    applicant = models.ForeignKey(
        User, models.PROTECT, related_name="talent_requests", verbose_name=_("filed by")
    )
    applicant_organization = models.ForeignKey(
        Organization, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("employer")
    )
    host_region = models.ForeignKey(
        Region, models.PROTECT, related_name="+", limit_choices_to=PROVINCE_Q, verbose_name=_("host region")
    )
    issuing_region = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=_("issuing region")
    )
    host_agency = models.ForeignKey(
        Organization, models.PROTECT, related_name="+", verbose_name=_("host agency")
    )
    issuing_agency = models.ForeignKey(
        Organization, models.PROTECT, related_name="+", verbose_name=_("issuing agency")
    )
    state = models.CharField(
        _("state"), max_length=32, choices=RequestState.choices, default=RequestState.SUBMITTED
    )
    registry_entry = models.ForeignKey(
        RegistryEntry,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matched registry entry"),
    )
    verification_note = models.TextField(_("verification answer"), blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    tacit = models.BooleanField(_("recognized tacitly"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("recognition request")
        verbose_name_plural = _("recognition requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(host_region=F("issuing_region")), name="talent_request_cross_region"
            ),
            models.CheckConstraint(
                condition=~Q(state="not_verified") | ~Q(verification_note=""),
                name="talent_not_verified_has_reason",
            ),
            models.UniqueConstraint(
                fields=["credential", "host_region"],
                condition=~Q(state__in=["refused", "withdrawn", "revoked"]),
                name="talent_one_live_request_per_host",
            ),
        ]
        indexes = [
            # the lists' newest-first order (bench: a top-N sort of tens of thousands of rows without it)
            models.Index(fields=["-created_at", "-id"], name="talent_request_newest"),
            models.Index(fields=["host_region", "state"]),
            models.Index(fields=["issuing_region", "state"]),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("talent:request_detail", args=[self.pk])


class Certificate(models.Model):
    """Issued on recognition; anyone can check its code."""

    request = models.OneToOneField(
        RecognitionRequest, models.PROTECT, related_name="certificate", verbose_name=_("request")
    )
    code = models.CharField(_("verification code"), max_length=32, unique=True, default=new_certificate_code)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("recognition certificate")
        verbose_name_plural = _("recognition certificates")
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="talent_revocation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("talent:certificate_detail", args=[self.pk])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class Appointment(models.Model):
    """Two-way appointment (双向聘任): a person employed in one region appointed to an organization in another."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="appointments", verbose_name=_("person"))
    home_organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="+", verbose_name=_("employer")
    )
    host_organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="+", verbose_name=_("appointing organization")
    )
    home_region = models.ForeignKey(Region, models.PROTECT, related_name="+", editable=False)
    host_region = models.ForeignKey(Region, models.PROTECT, related_name="+", editable=False)
    role = models.CharField(_("post"), max_length=100)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("two-way appointment")
        verbose_name_plural = _("two-way appointments")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="talent_appointment_term"
            ),
            models.CheckConstraint(
                condition=~Q(home_region=F("host_region")), name="talent_appointment_cross_region"
            ),
        ]
        indexes = [models.Index(fields=["home_region"]), models.Index(fields=["host_region"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.role}"

    def get_absolute_url(self) -> str:
        return reverse("talent:appointment_list")
