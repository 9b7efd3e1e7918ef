"""Records of the innovation-voucher scheme (articles 13 and 15 of the Tianjin decision): programmes of
each issuing region, open service providers and their catalogue, applications, vouchers, claims
(redemptions) at providers anywhere in the three regions, settlement batches, and an append-only
ledger of every money movement.

The money invariants are held by PostgreSQL: a programme's issued total never exceeds its budget, an
enterprise's vouchers in a programme never exceed the cap, a voucher never reserves or pays more than
it holds, a claim never asks more than the subsidy ratio allows, a claim is redeemed and paid once.
"""

from decimal import Decimal

import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal import crypto
from portal.models import PROVINCE_CODES, Organization, OrganizationKind, Region, User

__all__ = [
    "ServiceCategory",
    "Programme",
    "ProviderState",
    "Provider",
    "Service",
    "ApplicationState",
    "Application",
    "VoucherState",
    "Voucher",
    "Allowance",
    "ClaimState",
    "Claim",
    "BatchState",
    "SettlementBatch",
    "LedgerKind",
    "LedgerEntry",
    "CLAIM_DOCUMENTS",
]

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class ServiceCategory(models.TextChoices):
    TESTING = "testing", _("Testing and analysis")
    INSPECTION = "inspection", _("Inspection and certification")
    RD = "rd", _("Joint or commissioned R&D")
    DESIGN = "design", _("Design and technical solutions")
    INSTRUMENT = "instrument", _("Large instrument sharing")


def all_categories() -> list[str]:
    return list(ServiceCategory.values)


def all_provinces() -> list[str]:
    return list(PROVINCE_CODES)


def default_kinds() -> list[str]:
    return [OrganizationKind.ENTERPRISE]


class Programme(models.Model):
    """A region's voucher programme for one year, with its budget and rules."""

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("voucher", "issuing region"),
        limit_choices_to={"kind": "province"},
    )
    agency = models.ForeignKey(
        Organization, models.PROTECT, related_name="voucher_programmes", verbose_name=_("agency")
    )
    year = models.PositiveIntegerField(_("year"))
    total_budget = models.DecimalField(_("total budget (yuan)"), **MONEY)
    issued_total = models.DecimalField(_("issued (yuan)"), default=ZERO, editable=False, **MONEY)
    cap_per_enterprise = models.DecimalField(_("cap per enterprise (yuan)"), **MONEY)
    subsidy_ratio = models.DecimalField(
        _("subsidy ratio"),
        max_digits=4,
        decimal_places=3,
        help_text=_("The share of a service's price a voucher may pay, e.g. 0.5"),
    )
    categories = ArrayField(
        models.CharField(max_length=16, choices=ServiceCategory.choices),
        default=all_categories,
        verbose_name=_("eligible service categories"),
    )
    provider_regions = ArrayField(
        models.CharField(max_length=6),
        default=all_provinces,
        verbose_name=_("eligible provider regions"),
        help_text=_("All three regions by default: mutual recognition."),
    )
    eligible_kinds = ArrayField(
        models.CharField(max_length=16, choices=OrganizationKind.choices),
        default=default_kinds,
        verbose_name=_("eligible organization kinds"),
    )
    max_staff = models.PositiveIntegerField(_("fewer staff than"), null=True, blank=True)
    max_revenue = models.DecimalField(
        _("or revenue under (yuan)"), null=True, blank=True, max_digits=16, decimal_places=2
    )
    min_rd_ratio = models.DecimalField(
        _("R&D spending at least (percent of sales)"), null=True, blank=True, max_digits=5, decimal_places=2
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    open = models.BooleanField(_("open for applications"), default=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    close_reason = models.TextField(_("reason for closing"), blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "region_id", "name"]
        verbose_name = _("voucher programme")
        verbose_name_plural = _("voucher programmes")
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "name"], name="voucher_programme_unique_name"),
            models.CheckConstraint(condition=Q(total_budget__gt=0), name="voucher_programme_budget_positive"),
            models.CheckConstraint(
                condition=Q(issued_total__gte=0) & Q(issued_total__lte=F("total_budget")),
                name="voucher_programme_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(cap_per_enterprise__gt=0) & Q(cap_per_enterprise__lte=F("total_budget")),
                name="voucher_programme_cap_valid",
            ),
            models.CheckConstraint(
                condition=Q(subsidy_ratio__gt=0) & Q(subsidy_ratio__lte=1),
                name="voucher_programme_ratio_valid",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="voucher_programme_dates"
            ),
            models.CheckConstraint(
                condition=Q(open=True, closed_at__isnull=True) | Q(open=False, closed_at__isnull=False),
                name="voucher_programme_closed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["region", "year"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def get_absolute_url(self) -> str:
        return reverse("vouchers:programme", args=[self.pk])

    @property
    def available(self) -> Decimal:
        return self.total_budget - self.issued_total

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def has_opened(self, today=None) -> bool:
        """Whether applications could have been made: its first day has come, or one exists. Until
        then its issuing agency may still change every rule."""
        today = today or timezone.localdate()
        return self.valid_from <= today or self.applications.exists()


class ProviderState(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", pgettext_lazy("voucher", "Approved")
    REFUSED = "refused", _("Refused")
    SUSPENDED = "suspended", _("Suspended")


class Provider(models.Model):
    """An open service provider (开放单位), approved by its own region and recognised by all."""

    organization = models.OneToOneField(
        Organization, models.PROTECT, related_name="voucher_provider", verbose_name=_("organization")
    )
    province = models.ForeignKey(
        Region, models.PROTECT, related_name="+", editable=False, verbose_name=_("region")
    )
    description = models.TextField(_("description"), blank=True)
    contact = crypto.EncryptedCharField(_("contact"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ProviderState.choices, default=ProviderState.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization__name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        indexes = [models.Index(fields=["province", "state"])]

    def __str__(self) -> str:
        return str(self.organization)

    def save(self, *args, **kwargs):
        if self.organization_id and not self.province_id:
            self.province_id = Organization.objects.values_list("province_id", flat=True).get(
                pk=self.organization_id
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("vouchers:provider", args=[self.pk])


class Service(models.Model):
    """A service or a shared instrument in a provider's catalogue."""

    provider = models.ForeignKey(
        Provider, models.CASCADE, related_name="services", verbose_name=_("provider")
    )
    name = models.CharField(_("name"), max_length=200)
    model_number = models.CharField(_("model"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=ServiceCategory.choices)
    unit_price = models.DecimalField(_("unit price (yuan)"), **MONEY)
    unit = models.CharField(_("unit"), max_length=32)
    active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider_id", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="voucher_service_price_positive"),
            models.UniqueConstraint(
                fields=["provider", "name", "model_number"], name="voucher_service_unique"
            ),
        ]
        indexes = [models.Index(fields=["category", "active"])]

    def __str__(self) -> str:
        return f"{self.name} {self.model_number}".strip()


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", pgettext_lazy("voucher", "Approved")
    REFUSED = "refused", _("Refused")


class Application(models.Model):
    """An enterprise's (or start-up team's) application to its home region's programme."""

    programme = models.ForeignKey(
        Programme,
        models.PROTECT,
        related_name="applications",
        verbose_name=pgettext_lazy("voucher", "programme"),
    )
    applicant = models.ForeignKey(
        Organization, models.PROTECT, related_name="voucher_applications", verbose_name=_("applicant")
    )
    submitted_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("submitted by"))
    amount = models.DecimalField(_("amount requested (yuan)"), **MONEY)
    purpose = models.TextField(_("purpose"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ApplicationState.choices, default=ApplicationState.SUBMITTED
    )
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("voucher application")
        verbose_name_plural = _("voucher applications")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_application_amount_positive")
        ]
        indexes = [models.Index(fields=["programme", "state"])]

    def __str__(self) -> str:
        return _("Application %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("vouchers:application", args=[self.pk])


class VoucherState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("voucher", "Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Voucher(models.Model):
    """An issued voucher. Balance = amount − reserved − redeemed − returned (never below zero)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    programme = models.ForeignKey(
        Programme, models.PROTECT, related_name="vouchers", verbose_name=pgettext_lazy("voucher", "programme")
    )
    holder = models.ForeignKey(
        Organization, models.PROTECT, related_name="vouchers", verbose_name=pgettext_lazy("voucher", "holder")
    )
    application = models.OneToOneField(
        Application,
        models.PROTECT,
        related_name="voucher",
        null=True,
        blank=True,
        verbose_name=pgettext_lazy("voucher", "application"),
    )
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    reserved = models.DecimalField(_("reserved by claims"), default=ZERO, **MONEY)
    redeemed = models.DecimalField(_("redeemed"), default=ZERO, **MONEY)
    returned = models.DecimalField(_("returned to the budget"), default=ZERO, **MONEY)
    expires_on = models.DateField(_("expires on"))
    state = models.CharField(
        _("state"), max_length=16, choices=VoucherState.choices, default=VoucherState.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_amount_positive"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(redeemed__gte=0) & Q(returned__gte=0),
                name="voucher_parts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=F("reserved") + F("redeemed") + F("returned")),
                name="voucher_never_overspent",
            ),
        ]
        indexes = [models.Index(fields=["holder", "state"]), models.Index(fields=["state", "expires_on"])]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("vouchers:voucher", args=[self.pk])

    @property
    def balance(self) -> Decimal:
        return self.amount - self.reserved - self.redeemed - self.returned


class Allowance(models.Model):
    """What one enterprise was issued in one programme; the cap is copied here so PostgreSQL can hold it.

    ``issued`` counts every voucher issued, whatever became of it: the cap per enterprise is the most a
    programme gives one enterprise, so an expired or revoked voucher's unused amount returns to the
    programme's budget but does not free the enterprise's cap."""

    programme = models.ForeignKey(Programme, models.PROTECT, related_name="allowances")
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="+")
    cap = models.DecimalField(**MONEY)
    issued = models.DecimalField(default=ZERO, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "organization"], name="voucher_allowance_unique"),
            models.CheckConstraint(
                condition=Q(issued__gte=0) & Q(issued__lte=F("cap")), name="voucher_allowance_within_cap"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}@{self.programme_id}: {self.issued}/{self.cap}"


class ClaimState(models.TextChoices):
    BOOKED = "booked", _("Booked")
    FILED = "filed", _("Claim filed")
    CONFIRMED = "confirmed", _("Confirmed by the enterprise")
    APPROVED = "approved", pgettext_lazy("voucher", "Approved")
    REJECTED = "rejected", pgettext_lazy("voucher", "Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    PAID = "paid", _("Paid")


CLAIM_DOCUMENTS = {
    "contract": _("Service contract"),
    "invoice": _("Invoice"),
    "payment_proof": _("Proof of payment"),
    "service_record": _("Service record"),
}


class Claim(models.Model):
    """A service booked with a voucher and, after the service, the provider's claim against it."""

    voucher = models.ForeignKey(Voucher, models.PROTECT, related_name="claims", verbose_name=_("voucher"))
    provider = models.ForeignKey(Provider, models.PROTECT, related_name="claims", verbose_name=_("provider"))
    service = models.ForeignKey(Service, models.PROTECT, related_name="claims", verbose_name=_("service"))
    issuing_region = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=pgettext_lazy("voucher", "issuing region")
    )
    provider_region = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=_("provider region")
    )
    booked_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("booked by"))
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=Decimal("1"))
    price = models.DecimalField(_("service price (yuan)"), **MONEY)
    subsidy_ratio = models.DecimalField(_("subsidy ratio"), max_digits=4, decimal_places=3)
    amount = models.DecimalField(_("amount claimed (yuan)"), default=ZERO, **MONEY)
    state = models.CharField(_("state"), max_length=16, choices=ClaimState.choices, default=ClaimState.BOOKED)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    batch = models.ForeignKey(
        "SettlementBatch",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("settlement batch"),
    )
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gt=0) & Q(quantity__gt=0), name="voucher_claim_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(amount__lte=F("price") * F("subsidy_ratio")),
                name="voucher_claim_within_subsidy_ratio",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                name="voucher_claim_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(batch__isnull=True) | Q(state__in=["approved", "paid"]),
                name="voucher_claim_batch_only_approved",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "issuing_region"]),
            models.Index(fields=["provider", "state"]),
        ]

    def __str__(self) -> str:
        return _("Claim %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("vouchers:claim", args=[self.pk])


class BatchState(models.TextChoices):
    DRAFT = "draft", _("Prepared")
    PAID = "paid", _("Paid")


class SettlementBatch(models.Model):
    """Approved claims of one provider paid by one issuing region."""

    issuing_region = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=pgettext_lazy("voucher", "issuing region")
    )
    provider = models.ForeignKey(Provider, models.PROTECT, related_name="batches", verbose_name=_("provider"))
    total = models.DecimalField(_("total (yuan)"), default=ZERO, **MONEY)
    state = models.CharField(_("state"), max_length=16, choices=BatchState.choices, default=BatchState.DRAFT)
    created_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("prepared by"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("settlement batch")
        verbose_name_plural = _("settlement batches")
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="voucher_batch_total_positive"),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(paid_at__isnull=False), name="voucher_batch_paid_has_date"
            ),
        ]

    def __str__(self) -> str:
        return _("Settlement batch %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("vouchers:batch", args=[self.pk])


class LedgerKind(models.TextChoices):
    ALLOCATION = "allocation", _("Budget allocation")
    TOP_UP = "top_up", _("Budget raised")
    REDUCTION = "reduction", _("Budget lowered")
    ISSUE = "issue", _("Voucher issued")
    RESERVATION = "reservation", _("Reserved by a claim")
    RELEASE = "release", _("Released on rejection")
    REDEMPTION = "redemption", _("Redeemed on approval")
    EXPIRY = "expiry", _("Returned to the budget on expiry (the enterprise's cap stays used)")
    REVOCATION = "revocation", _("Returned to the budget on revocation (the enterprise's cap stays used)")
    PAYMENT = "payment", _("Paid to the provider")


@pgtrigger.register(
    pgtrigger.Protect(name="voucher_ledger_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
)
class LedgerEntry(models.Model):
    """One money movement. PostgreSQL refuses to change or delete a row; balances derive from these."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=16, choices=LedgerKind.choices)
    programme = models.ForeignKey(
        Programme, models.PROTECT, related_name="ledger", verbose_name=pgettext_lazy("voucher", "programme")
    )
    voucher = models.ForeignKey(Voucher, models.PROTECT, null=True, blank=True, related_name="ledger")
    claim = models.ForeignKey(Claim, models.PROTECT, null=True, blank=True, related_name="ledger")
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    actor = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_ledger_amount_positive"),
            models.UniqueConstraint(
                fields=["claim", "kind"],
                condition=Q(claim__isnull=False),
                name="voucher_ledger_once_per_claim",
            ),
            models.UniqueConstraint(
                fields=["programme"], condition=Q(kind="allocation"), name="voucher_ledger_one_allocation"
            ),
            models.UniqueConstraint(
                fields=["voucher", "kind"],
                condition=Q(kind__in=["issue", "expiry", "revocation"]) & Q(claim__isnull=True),
                name="voucher_ledger_once_per_voucher",
            ),
        ]
        indexes = [models.Index(fields=["programme", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
