"""Records of IP enforcement cooperation between the regions' agencies (article 17 of the Tianjin
decision): cases, case-clue referrals, assistance requests, joint enforcement operations, evidence
files with their access log, and the case journal."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal import crypto
from portal.models import Attachment, Organization, Region, User
from portal.validators import mask_id_number, validate_uscc

__all__ = [
    "IPType",
    "InfringementType",
    "CaseSource",
    "CaseState",
    "Case",
    "CaseAgency",
    "ReferralState",
    "Outcome",
    "Referral",
    "AssistanceKind",
    "AssistanceState",
    "AssistanceRequest",
    "OperationState",
    "JointOperation",
    "OperationTask",
    "Evidence",
    "EvidenceAccess",
    "JournalEntry",
]


class IPType(models.TextChoices):
    PATENT = "patent", pgettext_lazy("ip_enforcement", "Patent")
    TRADEMARK = "trademark", pgettext_lazy("ip_enforcement", "Trademark")
    COPYRIGHT = "copyright", pgettext_lazy("ip_enforcement", "Copyright")
    SOFTWARE = "software", pgettext_lazy("ip_enforcement", "Computer software copyright")
    IC_LAYOUT = "ic_layout", pgettext_lazy("ip_enforcement", "Integrated circuit layout design")
    PLANT_VARIETY = "plant_variety", pgettext_lazy("ip_enforcement", "New plant variety")
    GEOGRAPHICAL_INDICATION = (
        "geographical_indication",
        pgettext_lazy("ip_enforcement", "Geographical indication"),
    )
    TRADE_SECRET = "trade_secret", pgettext_lazy("ip_enforcement", "Trade secret")


class InfringementType(models.TextChoices):
    INFRINGEMENT = "infringement", pgettext_lazy("ip_enforcement", "Infringement")
    COUNTERFEIT = "counterfeit", pgettext_lazy("ip_enforcement", "Counterfeiting")
    PASSING_OFF = "passing_off", pgettext_lazy("ip_enforcement", "Passing off")
    PIRACY = "piracy", pgettext_lazy("ip_enforcement", "Piracy")
    MISAPPROPRIATION = "misappropriation", pgettext_lazy("ip_enforcement", "Misappropriation")
    OTHER = "other", pgettext_lazy("ip_enforcement", "Other")


class CaseSource(models.TextChoices):
    AGENCY = "agency", pgettext_lazy("ip_enforcement", "Found by an agency")
    COMPLAINT = "complaint", pgettext_lazy("ip_enforcement", "Complaint by the right holder")


class CaseState(models.TextChoices):
    OPEN = "open", pgettext_lazy("ip_enforcement", "Open")
    CLOSED = "closed", pgettext_lazy("ip_enforcement", "Closed")


class Case(models.Model):
    """An IP case (or case clue) held by one agency; other agencies join it through referrals,
    assistance requests and joint operations."""

    number = models.CharField(_("case number"), max_length=40, unique=True, editable=False)
    ip_type = models.CharField(_("IP type"), max_length=32, choices=IPType.choices)
    infringement_type = models.CharField(
        _("infringement type"), max_length=32, choices=InfringementType.choices
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    place_region = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region of the place")
    )
    right_holder_name = models.CharField(_("right holder"), max_length=200)
    right_holder_uscc = models.CharField(
        _("right holder's USCC"), max_length=18, blank=True, validators=[validate_uscc]
    )
    infringer_name = models.CharField(_("suspected infringer"), max_length=200)
    infringer_uscc = models.CharField(
        _("suspected infringer's USCC"), max_length=18, blank=True, validators=[validate_uscc]
    )
    infringer_id_number_encrypted = models.BinaryField(
        _("suspected infringer's ID number (encrypted)"), null=True, blank=True, editable=False
    )
    agency = models.ForeignKey(
        Organization, models.PROTECT, related_name="ip_cases", verbose_name=_("handling agency")
    )
    province = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("province"))
    source = models.CharField(
        _("source"), max_length=16, choices=CaseSource.choices, default=CaseSource.AGENCY
    )
    complainant_organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="ip_complaints",
        verbose_name=_("complainant"),
    )
    state = models.CharField(_("state"), max_length=16, choices=CaseState.choices, default=CaseState.OPEN)
    created_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("IP case")
        verbose_name_plural = _("IP cases")
        indexes = [
            models.Index(fields=["agency", "-created_at"]),
            models.Index(fields=["province", "ip_type"]),
            models.Index(fields=["state"]),
            # the lists' newest-first order, as on referrals (a case list spans several agencies' rows)
            models.Index(fields=["-created_at", "-id"], name="ip_case_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="complaint") | Q(complainant_organization__isnull=False),
                name="ip_case_complaint_has_complainant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("ip_enforcement:case_detail", args=[self.pk])

    def set_infringer_id_number(self, value: str) -> None:
        # the shared mechanism for personal data (portal.crypto); the column keeps the token's bytes
        self.infringer_id_number_encrypted = crypto.encrypt(value).encode() if value else None

    def infringer_id_number(self) -> str:
        data = self.infringer_id_number_encrypted
        return crypto.decrypt(data) if data else ""

    def may_see_id_number(self, user) -> bool:
        """Only the handling agency's officers see the suspected infringer's ID number in full."""
        from .permissions import is_enforcement_officer

        return bool(
            user.is_authenticated and user.organization_id == self.agency_id and is_enforcement_officer(user)
        )

    @property
    def infringer_id_number_masked(self) -> str:
        return mask_id_number(self.infringer_id_number())


class CaseAgency(models.Model):
    """An agency involved in a case (handling it, referring, receiving, assisting, operating). Only
    these agencies see the case, its journal and its evidence."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="involved")
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="+")
    province = models.ForeignKey(Region, models.PROTECT, related_name="+")
    role = models.CharField(max_length=32)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "organization"], name="ip_case_agency_once"),
        ]
        indexes = [models.Index(fields=["organization", "case"]), models.Index(fields=["province", "case"])]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.organization_id} ({self.role})"


class ReferralState(models.TextChoices):
    SENT = "sent", pgettext_lazy("ip_enforcement", "Sent")
    RECEIVED = "received", pgettext_lazy("ip_enforcement", "Received")
    APPRAISAL = "appraisal", pgettext_lazy("ip_enforcement", "Awaiting appraisal")
    ACCEPTED = "accepted", pgettext_lazy("ip_enforcement", "Case opened")
    RETURNED = "returned", pgettext_lazy("ip_enforcement", "Returned")
    FORWARDED = "forwarded", pgettext_lazy("ip_enforcement", "Forwarded")
    INVESTIGATING = "investigating", pgettext_lazy("ip_enforcement", "Under investigation")
    CONCLUDED = "concluded", pgettext_lazy("ip_enforcement", "Concluded")


class Outcome(models.TextChoices):
    PENALTY = "penalty", pgettext_lazy("ip_enforcement", "Administrative penalty")
    MEDIATION = "mediation", pgettext_lazy("ip_enforcement", "Mediation")
    PUBLIC_SECURITY = "public_security", pgettext_lazy("ip_enforcement", "Transferred to public security")
    NOT_ESTABLISHED = "not_established", pgettext_lazy("ip_enforcement", "Not established")


class Referral(models.Model):
    """线索移送: a case clue sent by one agency to another region's agency with jurisdiction."""

    number = models.CharField(_("referral number"), max_length=40, unique=True, editable=False)
    case = models.ForeignKey(Case, models.PROTECT, related_name="referrals", verbose_name=_("case"))
    from_agency = models.ForeignKey(
        Organization, models.PROTECT, related_name="ip_referrals_sent", verbose_name=_("referring agency")
    )
    to_agency = models.ForeignKey(
        Organization, models.PROTECT, related_name="ip_referrals_received", verbose_name=_("receiving agency")
    )
    from_province = models.ForeignKey(Region, models.PROTECT, related_name="+")
    to_province = models.ForeignKey(Region, models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="forwards",
        verbose_name=_("forwarded from"),
    )
    reason = models.TextField(_("grounds for jurisdiction"))
    state = models.CharField(
        _("state"), max_length=16, choices=ReferralState.choices, default=ReferralState.SENT
    )
    received_case_number = models.CharField(_("receiving case number"), max_length=64, blank=True)
    returned_part = models.TextField(_("part returned"), blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    feedback = models.TextField(_("feedback to the referring agency"), blank=True)
    penalty_amount = models.DecimalField(
        _("penalty (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    sent_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            # the lists' newest-first order (bench: a top-N sort of tens of thousands of rows without it)
            models.Index(fields=["-created_at", "-id"], name="ip_referral_newest"),
            models.Index(fields=["to_agency", "state"]),
            models.Index(fields=["from_agency", "state"]),
            models.Index(fields=["to_province", "from_province"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_agency=models.F("to_agency")), name="ip_referral_not_to_self"
            ),
            models.UniqueConstraint(
                fields=["case", "to_agency"],
                condition=Q(state__in=["sent", "received", "appraisal", "accepted", "investigating"]),
                name="ip_referral_one_active_per_agency",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["accepted", "investigating", "concluded"])
                | ~Q(received_case_number=""),
                name="ip_referral_accepted_has_case_number",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_reason=""), name="ip_referral_returned_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state="concluded") | ~Q(outcome=""), name="ip_referral_concluded_has_outcome"
            ),
            models.CheckConstraint(
                condition=Q(penalty_amount__isnull=True) | Q(penalty_amount__gte=0),
                name="ip_referral_penalty_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("ip_enforcement:referral_detail", args=[self.pk])


class AssistanceKind(models.TextChoices):
    INVESTIGATION = "investigation", pgettext_lazy("ip_enforcement", "Investigation and evidence collection")
    ENFORCEMENT = "enforcement", pgettext_lazy("ip_enforcement", "Assistance with enforcement")


class AssistanceState(models.TextChoices):
    SENT = "sent", pgettext_lazy("ip_enforcement", "Sent")
    RECEIVED = "received", pgettext_lazy("ip_enforcement", "Received")
    ACCEPTED = "accepted", pgettext_lazy("ip_enforcement", "Accepted")
    DECLINED = "declined", pgettext_lazy("ip_enforcement", "Declined")
    ANSWERED = "answered", pgettext_lazy("ip_enforcement", "Answered")


class AssistanceRequest(models.Model):
    """调查取证 / 协助执行: one agency asks another to act in its region."""

    number = models.CharField(_("request number"), max_length=40, unique=True, editable=False)
    case = models.ForeignKey(Case, models.PROTECT, related_name="assistance_requests", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=16, choices=AssistanceKind.choices)
    from_agency = models.ForeignKey(
        Organization, models.PROTECT, related_name="ip_requests_sent", verbose_name=_("requesting agency")
    )
    to_agency = models.ForeignKey(
        Organization, models.PROTECT, related_name="ip_requests_received", verbose_name=_("requested agency")
    )
    from_province = models.ForeignKey(Region, models.PROTECT, related_name="+")
    to_province = models.ForeignKey(Region, models.PROTECT, related_name="+")
    actions = models.TextField(_("what is asked"))
    state = models.CharField(
        _("state"), max_length=16, choices=AssistanceState.choices, default=AssistanceState.SENT
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    sent_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assistance request")
        verbose_name_plural = _("assistance requests")
        indexes = [
            models.Index(fields=["to_agency", "state"]),
            models.Index(fields=["from_agency", "state"]),
            models.Index(fields=["-created_at", "-id"], name="ip_assistance_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_agency=models.F("to_agency")), name="ip_assistance_not_to_self"
            ),
            models.CheckConstraint(
                condition=~Q(state="answered") | ~Q(findings=""), name="ip_assistance_answer_has_findings"
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decline_reason=""),
                name="ip_assistance_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("ip_enforcement:assistance_detail", args=[self.pk])


class OperationState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("ip_enforcement", "Planned")
    UNDERWAY = "underway", pgettext_lazy("ip_enforcement", "Under way")
    CONCLUDED = "concluded", pgettext_lazy("ip_enforcement", "Concluded")


class JointOperation(models.Model):
    """联合执法: agencies of two or three regions act together under a lead agency."""

    title = models.CharField(_("title"), max_length=200)
    case = models.ForeignKey(
        Case, models.PROTECT, null=True, blank=True, related_name="operations", verbose_name=_("case")
    )
    lead_agency = models.ForeignKey(
        Organization, models.PROTECT, related_name="ip_operations_led", verbose_name=_("lead agency")
    )
    targets = models.TextField(_("targets"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    state = models.CharField(
        _("state"), max_length=16, choices=OperationState.choices, default=OperationState.PLANNED
    )
    summary = models.TextField(_("summary of results"), blank=True)
    created_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("joint enforcement operation")
        verbose_name_plural = _("joint enforcement operations")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="ip_operation_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ip_enforcement:operation_detail", args=[self.pk])


class OperationTask(models.Model):
    operation = models.ForeignKey(JointOperation, models.CASCADE, related_name="tasks")
    agency = models.ForeignKey(Organization, models.PROTECT, related_name="+", verbose_name=_("agency"))
    description = models.TextField(_("task"))
    result = models.TextField(_("result"), blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("operation task")
        verbose_name_plural = _("operation tasks")
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | ~Q(result=""), name="ip_task_done_has_result"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.description[:40]}"


class Evidence(models.Model):
    """An evidence file of a case: the stored file (portal Attachment) with its SHA-256 from upload."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="evidence", verbose_name=_("case"))
    attachment = models.OneToOneField(Attachment, models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=300)
    assistance_request = models.ForeignKey(
        AssistanceRequest, models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="+", verbose_name=_("agency"))
    uploaded_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.description

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url()


class EvidenceAccess(models.Model):
    """The evidence log: who viewed or downloaded which file, and every failed integrity check."""

    class Action(models.TextChoices):
        UPLOAD = "upload", pgettext_lazy("ip_enforcement", "Uploaded")
        VIEW = "view", pgettext_lazy("ip_enforcement", "Viewed")
        DOWNLOAD = "download", pgettext_lazy("ip_enforcement", "Downloaded")
        INTEGRITY_FAILURE = "integrity_failure", pgettext_lazy("ip_enforcement", "Integrity check failed")

    evidence = models.ForeignKey(Evidence, models.CASCADE, related_name="accesses")
    user = models.ForeignKey(User, models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=32, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["evidence", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.evidence_id}"


class JournalEntry(models.Model):
    """A comment or action in a case's journal, visible to the agencies involved only."""

    class Kind(models.TextChoices):
        COMMENT = "comment", pgettext_lazy("ip_enforcement", "Comment")
        ACTION = "action", pgettext_lazy("ip_enforcement", "Action taken")

    case = models.ForeignKey(Case, models.CASCADE, related_name="journal")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COMMENT)
    text = models.TextField(_("text"))
    author = models.ForeignKey(User, models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return self.text[:50]

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url()
