"""Use cases of the innovation-voucher scheme: one function per use case, each checks its rule, locks
the rows it changes, writes, records the ledger, audits and emits in one transaction.

Article 15 of the Tianjin decision (2023-11-29): mutually recognised innovation vouchers for small and
micro enterprises and start-up teams, usable at open providers in all three regions. Article 13: the
open sharing of large research instruments.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import attachments, audit, outbox
from portal.exceptions import PermissionDenied, TransitionNotAllowed, ValidationError
from portal.models import Organization, Region, StateChange, User, content_type_for
from portal.permissions import official_province_id, require
from portal.system import system_actor
from portal.validators import validate_uscc

from .models import (
    CLAIM_DOCUMENTS,
    Allowance,
    Application,
    ApplicationState,
    Claim,
    ClaimState,
    LedgerEntry,
    LedgerKind,
    Programme,
    Provider,
    ProviderState,
    Service,
    ServiceCategory,
    SettlementBatch,
    Voucher,
    VoucherState,
)
from .permissions import is_enterprise, is_provider_member
from .workflows import (
    APPLICATION_WORKFLOW,
    BATCH_WORKFLOW,
    CLAIM_WORKFLOW,
    PROVIDER_WORKFLOW,
    VOUCHER_WORKFLOW,
    members_of,
)

__all__ = [
    "create_programme",
    "update_programme",
    "change_budget",
    "close_programme",
    "register_provider",
    "approve_provider",
    "refuse_provider",
    "suspend_provider",
    "add_service",
    "update_service",
    "eligibility_problems",
    "apply_for_voucher",
    "approve_application",
    "refuse_application",
    "book_service",
    "file_claim",
    "cancel_claim",
    "confirm_claim",
    "approve_claim",
    "reject_claim",
    "create_batch",
    "pay_batch",
    "revoke_voucher",
    "expire_vouchers",
    "ledger_totals",
    "reconcile",
]

CENT = Decimal("0.01")


# --------------------------------------------------------------------------- helpers


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter an amount in yuan.")}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: _("The amount must be greater than zero.")})
    if amount >= Decimal("1e12"):
        raise ValidationError({field: _("The amount is too large.")})
    return amount


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def _ledger(
    kind: str,
    *,
    programme_id: int,
    amount: Decimal,
    actor: User | None,
    voucher_id=None,
    claim_id=None,
    note="",
):
    return LedgerEntry.objects.create(
        kind=kind,
        programme_id=programme_id,
        voucher_id=voucher_id,
        claim_id=claim_id,
        amount=amount,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note[:255],
    )


def _text(value: Any, field: str, *, required: bool = False, max_length: int = 5000) -> str:
    """A free-text input as a clean string, or a ValidationError naming ``field``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")})
    if "\x00" in value:
        raise ValidationError({field: _("Null characters are not allowed.")})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": max_length}})
    return value


def _return_to_budget(voucher: Voucher, amount: Decimal, kind: str, *, actor, claim_id=None) -> None:
    """Give ``amount`` of a locked voucher back to its programme's budget (expiry or revocation).

    The enterprise's allowance is left as it is: the cap per enterprise is the most a programme gives
    one enterprise, and it counts what was issued, so an unused amount never frees the cap."""
    if amount <= 0:
        return
    Programme.objects.filter(pk=voucher.programme_id).update(issued_total=F("issued_total") - amount)
    voucher.returned += amount
    _ledger(
        kind,
        programme_id=voucher.programme_id,
        voucher_id=voucher.pk,
        claim_id=claim_id,
        amount=amount,
        actor=actor,
    )


# --------------------------------------------------------------------------- programmes and providers

PROGRAMME_FIELDS = (
    "name",
    "year",
    "total_budget",
    "cap_per_enterprise",
    "subsidy_ratio",
    "valid_from",
    "valid_until",
    "categories",
    "provider_regions",
    "max_staff",
    "max_revenue",
    "min_rd_ratio",
)
PROVINCES = ("110000", "120000", "130000")
MAX_INT = 2_147_483_647


def _optional_number(value: Any, field: str, *, low: Decimal, high: Decimal, places: int | None = 2):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite() or not (low <= number < high):
        raise ValidationError(
            {field: _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}}
        )
    if places is None:
        if number != number.to_integral_value():
            raise ValidationError({field: _("Enter a whole number.")})
        return int(number)
    return number.quantize(Decimal(1).scaleb(-places))


def _clean_programme(values: Mapping[str, Any], *, region_id: str, exclude_pk: int | None = None) -> dict:
    """The programme's rules checked together, each refusal naming its field (the database holds the
    same invariants as constraints)."""
    clean: dict[str, Any] = {}
    clean["name"] = _text(values.get("name"), "name", required=True, max_length=200)
    year = _optional_number(values.get("year"), "year", low=Decimal(2000), high=Decimal(2101), places=None)
    if year is None:
        raise ValidationError({"year": _("This field is required.")})
    clean["year"] = year
    clean["total_budget"] = budget = _money(values.get("total_budget"), "total_budget")
    clean["cap_per_enterprise"] = cap = _money(values.get("cap_per_enterprise"), "cap_per_enterprise")
    if cap > budget:
        raise ValidationError({"cap_per_enterprise": _("The cap cannot exceed the budget.")})
    try:
        ratio = Decimal(str(values.get("subsidy_ratio")))
    except (InvalidOperation, TypeError, ValueError):
        ratio = Decimal(0)
    if not ratio.is_finite() or not (0 < ratio <= 1) or ratio != ratio.quantize(Decimal("0.001")):
        raise ValidationError({"subsidy_ratio": _("The ratio must be above 0 and at most 1.")})
    clean["subsidy_ratio"] = ratio
    valid_from, valid_until = values.get("valid_from"), values.get("valid_until")
    for field, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        if not isinstance(value, datetime.date):
            raise ValidationError({field: _("Enter a date.")})
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end must not be before the start.")})
    clean["valid_from"], clean["valid_until"] = valid_from, valid_until
    regions = list(values.get("provider_regions") or PROVINCES)
    if not set(regions) <= set(PROVINCES):
        raise ValidationError({"provider_regions": _("Choose among Beijing, Tianjin and Hebei.")})
    clean["provider_regions"] = [r for r in PROVINCES if r in regions]
    cats = list(values.get("categories") or ServiceCategory.values)
    if not set(cats) <= set(ServiceCategory.values):
        raise ValidationError({"categories": _("Unknown service category.")})
    clean["categories"] = [c for c in ServiceCategory.values if c in cats]
    clean["max_staff"] = _optional_number(
        values.get("max_staff"), "max_staff", low=Decimal(1), high=Decimal(MAX_INT), places=None
    )
    clean["max_revenue"] = _optional_number(
        values.get("max_revenue"), "max_revenue", low=Decimal(0), high=Decimal("1e14")
    )
    clean["min_rd_ratio"] = _optional_number(
        values.get("min_rd_ratio"), "min_rd_ratio", low=Decimal(0), high=Decimal(101)
    )
    if clean["min_rd_ratio"] is not None and clean["min_rd_ratio"] > 100:
        raise ValidationError({"min_rd_ratio": _("Enter a number from 0 to 100.")})
    same = Programme.objects.filter(region_id=region_id, year=year, name=clean["name"])
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise ValidationError({"name": _("Your region already has a programme of this name for this year.")})
    return clean


@transaction.atomic
def create_programme(
    *,
    actor: User,
    name: str,
    year: int,
    total_budget: Decimal,
    cap_per_enterprise: Decimal,
    subsidy_ratio: Decimal,
    valid_from: datetime.date,
    valid_until: datetime.date,
    categories: list[str] | None = None,
    provider_regions: list[str] | None = None,
    max_staff: int | None = None,
    max_revenue: Decimal | None = None,
    min_rd_ratio: Decimal | None = None,
) -> Programme:
    """Art. 15: an issuing region's agency opens a voucher programme; its budget is allocated in the ledger."""
    province = official_province_id(actor)
    if not province:
        raise PermissionDenied(_("Only officials of a region's agency may open a programme."))
    clean = _clean_programme(
        {
            "name": name,
            "year": year,
            "total_budget": total_budget,
            "cap_per_enterprise": cap_per_enterprise,
            "subsidy_ratio": subsidy_ratio,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "categories": categories,
            "provider_regions": provider_regions,
            "max_staff": max_staff,
            "max_revenue": max_revenue,
            "min_rd_ratio": min_rd_ratio,
        },
        region_id=province,
    )
    programme = Programme.objects.create(region_id=province, agency_id=actor.organization_id, **clean)
    _ledger(
        LedgerKind.ALLOCATION,
        programme_id=programme.pk,
        amount=clean["total_budget"],
        actor=actor,
        note=str(programme),
    )
    audit.record(audit.AuditAction.CREATE, programme, actor=actor, changes=audit.snapshot(programme))
    return programme


def _lock_for_change(programme: Programme, actor: User) -> Programme:
    programme = _lock(Programme, programme.pk)
    require(actor, "change", programme)
    if programme.closed:
        raise TransitionNotAllowed(_("This programme is closed."))
    return programme


def _budget_entry(programme: Programme, new_budget: Decimal, *, actor: User, note: str) -> None:
    """Ledger the move of a locked programme's budget to ``new_budget``: raised by a top-up, lowered by
    a reduction, never below what is already issued (PostgreSQL's constraint holds it as well)."""
    old = programme.total_budget
    if new_budget == old:
        return
    if new_budget < programme.issued_total:
        raise ValidationError(
            {
                "total_budget": _("The budget cannot be lower than the %(issued)s yuan already issued.")
                % {"issued": programme.issued_total}
            }
        )
    if new_budget < programme.cap_per_enterprise:
        raise ValidationError({"total_budget": _("The budget cannot be lower than the cap per enterprise.")})
    kind = LedgerKind.TOP_UP if new_budget > old else LedgerKind.REDUCTION
    _ledger(kind, programme_id=programme.pk, amount=abs(new_budget - old), actor=actor, note=note)


def update_programme(programme: Programme, /, *, actor: User, **changes: Any) -> Programme:
    """Art. 15: the issuing agency corrects its programme. Every rule may change until the programme
    opens (its first day, or a first application); afterwards only the budget may move, through
    ``change_budget``. A change of budget is a ledger entry."""
    unknown = set(changes) - set(PROGRAMME_FIELDS)
    if unknown:
        raise ValidationError({k: _("This field cannot be changed.") for k in sorted(unknown)})
    with transaction.atomic():
        programme = _lock_for_change(programme, actor)
        before = audit.snapshot(programme)
        current = {f: getattr(programme, f) for f in PROGRAMME_FIELDS}
        rules_changed = [k for k, v in changes.items() if k != "total_budget" and current[k] != v]
        if rules_changed and programme.has_opened():
            raise TransitionNotAllowed(
                _(
                    "The programme has opened: its rules can no longer change; its budget can still be raised, or it can be closed."
                )
            )
        clean = _clean_programme(
            {**current, **changes}, region_id=programme.region_id, exclude_pk=programme.pk
        )
        _budget_entry(programme, clean["total_budget"], actor=actor, note=_("Edited before opening"))
        for field, value in clean.items():
            setattr(programme, field, value)
        programme.save(update_fields=[*PROGRAMME_FIELDS, "updated_at"])
        changed = audit.diff(before, audit.snapshot(programme))
        if changed:
            audit.record(audit.AuditAction.UPDATE, programme, actor=actor, changes=changed)
        return programme


def change_budget(programme: Programme, /, *, actor: User, total_budget: Any, reason: str = "") -> Programme:
    """Art. 15: the issuing agency raises its programme's budget (or lowers it, never below what is
    already issued); the difference is a ledger entry, so the ledger still reconciles with the budget."""
    with transaction.atomic():
        programme = _lock_for_change(programme, actor)
        new_budget = _money(total_budget, "total_budget")
        reason = _text(reason, "reason", max_length=255)
        old = programme.total_budget
        if new_budget == old:
            raise ValidationError({"total_budget": _("This is already the budget.")})
        _budget_entry(programme, new_budget, actor=actor, note=reason)
        programme.total_budget = new_budget
        programme.save(update_fields=["total_budget", "updated_at"])
        audit.record(
            audit.AuditAction.UPDATE,
            programme,
            actor=actor,
            changes={"total_budget": [str(old), str(new_budget)]},
            message=reason,
        )
        outbox.emit(
            "voucher_programme.budget_changed",
            obj=programme,
            actor=actor,
            title=_("Budget of %(programme)s is now %(budget)s yuan")
            % {"programme": programme, "budget": new_budget},
            link=programme.get_absolute_url(),
            payload={"total_budget": str(new_budget), "previous": str(old)},
            organizations=[programme.agency_id],
        )
        return programme


def close_programme(programme: Programme, /, *, actor: User, reason: str = "", **_ignored) -> Programme:
    """Art. 15: the issuing agency closes its programme to new applications. Nothing already issued is
    released: vouchers stay usable until they expire, claims go on, the unissued budget stays unissued.
    Applications still waiting are refused with the reason."""
    with transaction.atomic():
        programme = _lock_for_change(programme, actor)
        reason = _text(reason, "reason", required=True)
        programme.open = False
        programme.closed_at = timezone.now()
        programme.close_reason = reason
        programme.save(update_fields=["open", "closed_at", "close_reason", "updated_at"])
        audit.record(
            audit.AuditAction.UPDATE,
            programme,
            actor=actor,
            changes={"open": [True, False]},
            message=reason[:500],
        )
        pending = Application.objects.select_for_update().filter(
            programme=programme, state=ApplicationState.SUBMITTED
        )
        refusal = _("The programme was closed: %(reason)s") % {"reason": reason}
        for application in pending.order_by("pk"):
            application.decision_reason = refusal
            APPLICATION_WORKFLOW.apply(
                application,
                "refuse",
                actor=actor,
                inputs={"reason": refusal},
                changed_fields=["decision_reason"],
            )
        outbox.emit(
            "voucher_programme.closed",
            obj=programme,
            actor=actor,
            title=_("Voucher programme closed: %(programme)s") % {"programme": programme},
            body=reason,
            link=programme.get_absolute_url(),
            organizations=[programme.agency_id],
        )
        return programme


@transaction.atomic
def register_provider(*, actor: User, description: str = "", contact: str = "") -> Provider:
    """Art. 13: an open unit asks its own region to list it as a voucher service provider."""
    if not is_provider_member(actor):
        raise PermissionDenied(_("Only members of a service provider may register it."))
    if Provider.objects.filter(organization_id=actor.organization_id).exists():
        raise ValidationError({"organization": _("This organization is already registered as a provider.")})
    provider = Provider.objects.create(
        organization_id=actor.organization_id, description=description, contact=contact
    )
    audit.record(audit.AuditAction.CREATE, provider, actor=actor)
    outbox.emit(
        "voucher_provider.registered",
        obj=provider,
        actor=actor,
        title=_("New voucher service provider: %(name)s") % {"name": provider},
        link=provider.get_absolute_url(),
    )
    return provider


def _provider_step(name: str):
    def step(provider: Provider, /, *, actor: User, reason: str = "", **_ignored) -> Provider:
        with transaction.atomic():
            provider = _lock(Provider, provider.pk)
            PROVIDER_WORKFLOW.ensure(provider, name, actor)
            reason = _text(reason, "reason")
            return PROVIDER_WORKFLOW.apply(provider, name, actor=actor, inputs={"reason": reason})

    step.__name__ = f"{name}_provider"
    step.__doc__ = f"Art. 13: the provider's own region's official takes the step “{name}”."
    return step


approve_provider = _provider_step("approve")
refuse_provider = _provider_step("refuse")
suspend_provider = _provider_step("suspend")


SERVICE_FIELDS = ("name", "model_number", "category", "unit_price", "unit", "active")


def _clean_service(values: Mapping[str, Any], *, provider: Provider, exclude_pk: int | None = None) -> dict:
    clean = {
        "name": _text(values.get("name"), "name", required=True, max_length=200),
        "model_number": _text(values.get("model_number"), "model_number", max_length=100),
        "unit": _text(values.get("unit"), "unit", required=True, max_length=32),
    }
    if values.get("category") not in ServiceCategory.values:
        raise ValidationError({"category": _("Unknown service category.")})
    clean["category"] = values["category"]
    clean["unit_price"] = _money(values.get("unit_price"), "unit_price")
    active = values.get("active", True)
    if not isinstance(active, bool):
        raise ValidationError({"active": _("Answer yes or no.")})
    clean["active"] = active
    same = Service.objects.filter(provider=provider, name=clean["name"], model_number=clean["model_number"])
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise ValidationError({"name": _("This service is already in your catalogue.")})
    return clean


@transaction.atomic
def add_service(
    *,
    actor: User,
    name: str,
    category: str,
    unit_price: Decimal,
    unit: str,
    model_number: str = "",
) -> Service:
    """Art. 13: a provider lists a service or a shared instrument in its catalogue."""
    provider = Provider.objects.filter(organization_id=actor.organization_id).first()
    if provider is None:
        raise PermissionDenied(_("Register your organization as a provider first."))
    require(actor, "change_catalogue", provider)
    clean = _clean_service(
        {
            "name": name,
            "category": category,
            "unit_price": unit_price,
            "unit": unit,
            "model_number": model_number,
        },
        provider=provider,
    )
    service = Service.objects.create(provider=provider, **clean)
    audit.record(audit.AuditAction.CREATE, service, actor=actor, changes=audit.snapshot(service))
    return service


def update_service(service: Service, /, *, actor: User, **changes: Any) -> Service:
    """Art. 13: a provider edits a service or instrument of its catalogue, or stops (``active=False``)
    or resumes offering it. Bookings already made keep the price they were booked at."""
    unknown = set(changes) - set(SERVICE_FIELDS)
    if unknown:
        raise ValidationError({k: _("This field cannot be changed.") for k in sorted(unknown)})
    with transaction.atomic():
        service = _lock(Service, service.pk)
        require(actor, "change", service)
        before = audit.snapshot(service)
        current = {f: getattr(service, f) for f in SERVICE_FIELDS}
        clean = _clean_service({**current, **changes}, provider=service.provider, exclude_pk=service.pk)
        for field, value in clean.items():
            setattr(service, field, value)
        service.save(update_fields=[*SERVICE_FIELDS, "updated_at"])
        changed = audit.diff(before, audit.snapshot(service))
        if changed:
            audit.record(audit.AuditAction.UPDATE, service, actor=actor, changes=changed)
        return service


# --------------------------------------------------------------------------- applications and vouchers


def eligibility_problems(
    programme: Programme, org: Organization, amount: Decimal | None = None
) -> dict[str, str]:
    """The reasons ``org`` may not get (``amount`` more of) a voucher of ``programme``; empty if it may."""
    problems: dict[str, str] = {}
    today = timezone.localdate()
    if not programme.open or not (programme.valid_from <= today <= programme.valid_until):
        problems["programme"] = _("This programme is not open for applications.")
    if org.kind not in programme.eligible_kinds:
        problems["applicant"] = _(
            "Your organization's kind (%(kind)s) is not eligible for this programme."
        ) % {"kind": org.get_kind_display()}
    if org.province_id != programme.region_id:
        problems["region"] = _("Only organizations registered in %(region)s may apply to this programme.") % {
            "region": Region.objects.get(pk=programme.region_id).name
        }
    try:
        validate_uscc(org.uscc)
    except Exception:
        problems["uscc"] = _("Your organization's unified social credit code is not valid.")
    if programme.max_staff is not None or programme.max_revenue is not None:
        small = (
            programme.max_staff is not None
            and org.staff_count is not None
            and org.staff_count < programme.max_staff
        ) or (
            programme.max_revenue is not None
            and org.annual_revenue is not None
            and org.annual_revenue < programme.max_revenue
        )
        if not small:
            problems["size"] = _(
                "Only small and micro enterprises may apply: fewer than %(staff)s staff or revenue under %(revenue)s yuan."
            ) % {"staff": programme.max_staff or "—", "revenue": programme.max_revenue or "—"}
    if programme.min_rd_ratio is not None and (org.rd_ratio is None or org.rd_ratio < programme.min_rd_ratio):
        problems["rd_ratio"] = _("R&D spending must be at least %(ratio)s%% of sales.") % {
            "ratio": programme.min_rd_ratio
        }
    issued = Allowance.objects.filter(programme=programme, organization=org).values_list(
        "issued", flat=True
    ).first() or Decimal(0)
    if issued >= programme.cap_per_enterprise:
        problems["amount"] = _("Your organization has already reached this programme's cap.")
    elif amount is not None and issued + amount > programme.cap_per_enterprise:
        problems["amount"] = _("Over the cap: your organization may still receive at most %(left)s yuan.") % {
            "left": programme.cap_per_enterprise - issued
        }
    return problems


@transaction.atomic
def apply_for_voucher(
    *, actor: User, programme: Programme, amount: Decimal, purpose: str = ""
) -> Application:
    """Art. 15: a small or micro enterprise or start-up team applies to its home region's programme."""
    if not is_enterprise(actor):
        raise PermissionDenied(_("Only enterprise members may apply for vouchers."))
    amount = _money(amount, "amount")
    org = Organization.objects.get(pk=actor.organization_id)
    problems = eligibility_problems(programme, org, amount)
    if problems:
        raise ValidationError(problems)
    application = Application.objects.create(
        programme=programme, applicant=org, submitted_by=actor, amount=amount, purpose=purpose
    )
    audit.record(audit.AuditAction.CREATE, application, actor=actor, changes=audit.snapshot(application))
    outbox.emit(
        "voucher_application.submitted",
        obj=application,
        actor=actor,
        title=_("New voucher application from %(org)s") % {"org": org},
        link=application.get_absolute_url(),
        recipients=members_of(programme.agency_id),
        organizations=[programme.agency_id],
    )
    return application


def _new_code(programme: Programme) -> str:
    return f"JJJ-{programme.region_id[:2]}-{programme.year}-{secrets.token_hex(5).upper()}"


def approve_application(
    application: Application, /, *, actor: User, reason: str = "", **_ignored
) -> Application:
    """Art. 15: the issuing agency approves an application and issues a voucher with a unique code,
    amount and expiry, within the budget and the enterprise's cap (both held by PostgreSQL)."""
    with transaction.atomic():
        application = _lock(Application, application.pk)
        APPLICATION_WORKFLOW.ensure(application, "approve", actor)
        reason = _text(reason, "reason")
        programme = _lock(Programme, application.programme_id)
        if programme.closed:
            raise TransitionNotAllowed(_("This programme is closed."))
        amount = application.amount
        if programme.issued_total + amount > programme.total_budget:
            raise ValidationError(
                {
                    "amount": _("The programme's budget has only %(left)s yuan left.")
                    % {"left": programme.available}
                }
            )
        allowance, _created = Allowance.objects.get_or_create(
            programme=programme,
            organization_id=application.applicant_id,
            defaults={"cap": programme.cap_per_enterprise},
        )
        allowance = _lock(Allowance, allowance.pk)
        if allowance.issued + amount > allowance.cap:
            raise ValidationError(
                {
                    "amount": _("Over the cap: this enterprise may still receive at most %(left)s yuan.")
                    % {"left": allowance.cap - allowance.issued}
                }
            )
        Programme.objects.filter(pk=programme.pk).update(issued_total=F("issued_total") + amount)
        Allowance.objects.filter(pk=allowance.pk).update(issued=F("issued") + amount)
        voucher = Voucher.objects.create(
            code=_new_code(programme),
            programme=programme,
            holder_id=application.applicant_id,
            application=application,
            amount=amount,
            expires_on=programme.valid_until,
        )
        _ledger(
            LedgerKind.ISSUE, programme_id=programme.pk, voucher_id=voucher.pk, amount=amount, actor=actor
        )
        audit.record(audit.AuditAction.CREATE, voucher, actor=actor, changes=audit.snapshot(voucher))
        application.decision_reason = reason
        return APPLICATION_WORKFLOW.apply(
            application,
            "approve",
            actor=actor,
            inputs={"reason": reason},
            changed_fields=["decision_reason"],
            payload={"voucher": voucher.code, "amount": str(amount)},
        )


def refuse_application(
    application: Application, /, *, actor: User, reason: str = "", **_ignored
) -> Application:
    """Art. 15: the issuing agency refuses an application, giving the reason."""
    with transaction.atomic():
        application = _lock(Application, application.pk)
        APPLICATION_WORKFLOW.ensure(application, "refuse", actor)
        reason = _text(reason, "reason", required=True)
        application.decision_reason = reason
        return APPLICATION_WORKFLOW.apply(
            application, "refuse", actor=actor, inputs={"reason": reason}, changed_fields=["decision_reason"]
        )


def _usable_problems(voucher: Voucher) -> dict[str, str]:
    if voucher.state != VoucherState.ACTIVE:
        return {"voucher": _("This voucher is %(state)s.") % {"state": voucher.get_state_display()}}
    if voucher.expires_on < timezone.localdate():
        return {"voucher": _("This voucher expired on %(date)s.") % {"date": voucher.expires_on}}
    return {}


@transaction.atomic
def book_service(*, actor: User, voucher: Voucher, service: Service, quantity: Decimal = Decimal(1)) -> Claim:
    """Art. 15: the holder books a service with an approved provider in any region its programme admits."""
    if not (is_enterprise(actor) and actor.organization_id == voucher.holder_id):
        raise PermissionDenied(_("Only the voucher holder may book with it."))
    try:
        quantity = Decimal(str(quantity)).quantize(CENT)
    except InvalidOperation:
        raise ValidationError({"quantity": _("Enter a number.")}) from None
    if not quantity.is_finite() or quantity <= 0 or quantity >= Decimal("1e8"):
        raise ValidationError({"quantity": _("The quantity must be greater than zero.")})
    problems = _usable_problems(voucher)
    provider = service.provider
    programme = voucher.programme
    if not service.active or provider.state != ProviderState.APPROVED:
        problems["service"] = _("This service is not offered by an approved provider.")
    elif provider.province_id not in programme.provider_regions:
        problems["service"] = _("This programme does not admit providers of %(region)s.") % {
            "region": Region.objects.get(pk=provider.province_id).name
        }
    elif service.category not in programme.categories:
        problems["service"] = _("This programme does not cover “%(category)s”.") % {
            "category": service.get_category_display()
        }
    if problems:
        raise ValidationError(problems)
    price = (service.unit_price * quantity).quantize(CENT)
    claim = Claim.objects.create(
        voucher=voucher,
        provider=provider,
        service=service,
        issuing_region_id=programme.region_id,
        provider_region_id=provider.province_id,
        booked_by=actor,
        quantity=quantity,
        price=price,
        subsidy_ratio=programme.subsidy_ratio,
    )
    audit.record(audit.AuditAction.CREATE, claim, actor=actor, changes=audit.snapshot(claim))
    outbox.emit(
        "voucher_claim.booked",
        obj=claim,
        actor=actor,
        title=_("Service booked with a voucher: %(service)s") % {"service": service},
        link=claim.get_absolute_url(),
        recipients=members_of(provider.organization_id),
        organizations=[provider.organization_id],
    )
    return claim


def max_claimable(claim: Claim, voucher: Voucher) -> Decimal:
    by_ratio = (claim.price * claim.subsidy_ratio).quantize(CENT, rounding=ROUND_DOWN)
    return min(by_ratio, voucher.balance)


def file_claim(
    claim: Claim,
    /,
    *,
    actor: User,
    amount: Decimal | str | None = None,
    price: Decimal | str | None = None,
    documents: Mapping[str, UploadedFile] | None = None,
    reason: str = "",
    **_ignored,
) -> Claim:
    """Art. 15: after the service the provider claims against the voucher with the contract, the
    invoice, the proof of payment and the service record; the amount is reserved on the voucher."""
    documents = documents or {}
    with transaction.atomic():
        claim = _lock(Claim, claim.pk)
        CLAIM_WORKFLOW.ensure(claim, "file", actor)
        voucher = _lock(Voucher, claim.voucher_id)
        problems = _usable_problems(voucher)
        missing = {
            k: _("Upload the %(doc)s.") % {"doc": str(label).lower()}
            for k, label in CLAIM_DOCUMENTS.items()
            if not documents.get(k)
        }
        problems.update(missing)
        if problems:
            raise ValidationError(problems)
        if price not in (None, ""):
            claim.price = _money(price, "price")
        wanted = _money(amount, "amount") if amount not in (None, "") else max_claimable(claim, voucher)
        if wanted <= 0:
            raise ValidationError({"amount": _("Nothing is left on this voucher.")})
        if wanted > (claim.price * claim.subsidy_ratio):
            raise ValidationError(
                {
                    "amount": _("The voucher pays at most %(ratio)s of the price: %(max)s yuan.")
                    % {
                        "ratio": f"{claim.subsidy_ratio * 100:.0f}%",
                        "max": (claim.price * claim.subsidy_ratio).quantize(CENT, rounding=ROUND_DOWN),
                    }
                }
            )
        if wanted > voucher.balance:
            raise ValidationError(
                {
                    "amount": _("Over the voucher's balance of %(balance)s yuan.")
                    % {"balance": voucher.balance}
                }
            )
        Voucher.objects.filter(pk=voucher.pk).update(reserved=F("reserved") + wanted)
        _ledger(
            LedgerKind.RESERVATION,
            programme_id=voucher.programme_id,
            voucher_id=voucher.pk,
            claim_id=claim.pk,
            amount=wanted,
            actor=actor,
        )
        for purpose, upload in documents.items():
            if purpose in CLAIM_DOCUMENTS:
                attachments.attach(claim, upload, actor=actor, purpose=purpose, field=purpose)
        claim.amount = wanted
        claim.filed_at = timezone.now()
        return CLAIM_WORKFLOW.apply(
            claim,
            "file",
            actor=actor,
            inputs={"reason": reason},
            changed_fields=["amount", "price", "filed_at"],
            payload={"amount": str(wanted), "voucher": voucher.code},
        )


def cancel_claim(claim: Claim, /, *, actor: User, reason: str = "", **_ignored) -> Claim:
    """Art. 15: a booking not yet claimed is cancelled by the holder or the provider."""
    with transaction.atomic():
        claim = _lock(Claim, claim.pk)
        CLAIM_WORKFLOW.ensure(claim, "cancel", actor)
        reason = _text(reason, "reason")
        return CLAIM_WORKFLOW.apply(claim, "cancel", actor=actor, inputs={"reason": reason})


def confirm_claim(
    claim: Claim, /, *, actor: User, rating: int | str | None = None, comment: str = "", **_ignored
) -> Claim:
    """Art. 15: the enterprise confirms the service was delivered and rates it; the issuing agency's
    review deadline opens."""
    with transaction.atomic():
        claim = _lock(Claim, claim.pk)
        CLAIM_WORKFLOW.ensure(claim, "confirm", actor)
        try:
            rating = int(rating)
        except (TypeError, ValueError, OverflowError):
            raise ValidationError({"rating": _("Rate the service from 1 to 5.")}) from None
        if not 1 <= rating <= 5:
            raise ValidationError({"rating": _("Rate the service from 1 to 5.")})
        comment = _text(comment, "comment", max_length=2000)
        claim.rating, claim.comment = rating, comment or ""
        return CLAIM_WORKFLOW.apply(
            claim,
            "confirm",
            actor=actor,
            inputs={"reason": comment or ""},
            changed_fields=["rating", "comment"],
        )


def approve_claim(claim: Claim, /, *, actor: User, reason: str = "", **_ignored) -> Claim:
    """Art. 15: the issuing region's agency approves the claim; the reserved amount is redeemed, once."""
    with transaction.atomic():
        claim = _lock(Claim, claim.pk)
        CLAIM_WORKFLOW.ensure(claim, "approve", actor)
        reason = _text(reason, "reason")
        voucher = _lock(Voucher, claim.voucher_id)
        Voucher.objects.filter(pk=voucher.pk).update(
            reserved=F("reserved") - claim.amount, redeemed=F("redeemed") + claim.amount
        )
        _ledger(
            LedgerKind.REDEMPTION,
            programme_id=voucher.programme_id,
            voucher_id=voucher.pk,
            claim_id=claim.pk,
            amount=claim.amount,
            actor=actor,
        )
        claim.decided_at = timezone.now()
        return CLAIM_WORKFLOW.apply(
            claim,
            "approve",
            actor=actor,
            inputs={"reason": reason},
            changed_fields=["decided_at"],
            payload={"amount": str(claim.amount)},
        )


def reject_claim(claim: Claim, /, *, actor: User, reason: str = "", **_ignored) -> Claim:
    """Art. 15: the issuing region's agency rejects the claim with a reason; the reservation is
    released (and returned to the budget if the voucher has meanwhile expired or been revoked)."""
    with transaction.atomic():
        claim = _lock(Claim, claim.pk)
        CLAIM_WORKFLOW.ensure(claim, "reject", actor)
        reason = _text(reason, "reason", required=True)
        voucher = _lock(Voucher, claim.voucher_id)
        Voucher.objects.filter(pk=voucher.pk).update(reserved=F("reserved") - claim.amount)
        _ledger(
            LedgerKind.RELEASE,
            programme_id=voucher.programme_id,
            voucher_id=voucher.pk,
            claim_id=claim.pk,
            amount=claim.amount,
            actor=actor,
        )
        if voucher.state != VoucherState.ACTIVE:
            voucher.refresh_from_db()
            kind = LedgerKind.EXPIRY if voucher.state == VoucherState.EXPIRED else LedgerKind.REVOCATION
            _return_to_budget(voucher, claim.amount, kind, actor=actor, claim_id=claim.pk)
            Voucher.objects.filter(pk=voucher.pk).update(returned=voucher.returned)
        claim.decided_at = timezone.now()
        return CLAIM_WORKFLOW.apply(
            claim, "reject", actor=actor, inputs={"reason": reason}, changed_fields=["decided_at"]
        )


def revoke_voucher(voucher: Voucher, /, *, actor: User, reason: str = "", **_ignored) -> Voucher:
    """Art. 15: the issuing agency revokes a voucher; its unreserved balance returns to the budget."""
    with transaction.atomic():
        voucher = _lock(Voucher, voucher.pk)
        VOUCHER_WORKFLOW.ensure(voucher, "revoke", actor)
        reason = _text(reason, "reason", required=True)
        _return_to_budget(voucher, voucher.balance, LedgerKind.REVOCATION, actor=actor)
        return VOUCHER_WORKFLOW.apply(
            voucher, "revoke", actor=actor, inputs={"reason": reason}, changed_fields=["returned"]
        )


def expire_vouchers(*, today: datetime.date | None = None, limit: int = 500) -> list[int]:
    """Art. 15: vouchers past their expiry lapse; their unreserved balance returns to the budget.
    Run daily by Celery beat as the portal's system actor; each expiry is recorded, audited and
    notified. The holder's cap stays used (see ``_return_to_budget``)."""
    today = today or timezone.localdate()
    actor = system_actor()
    done: list[int] = []
    while True:
        with transaction.atomic():
            batch = list(
                Voucher.objects.select_for_update(skip_locked=True)
                .filter(state=VoucherState.ACTIVE, expires_on__lt=today)
                .order_by("pk")[:limit]
            )
            if not batch:
                return done
            for voucher in batch:
                _return_to_budget(voucher, voucher.balance, LedgerKind.EXPIRY, actor=actor)
                voucher.state = VoucherState.EXPIRED
                voucher.save(update_fields=["state", "returned", "updated_at"])
                StateChange.objects.create(
                    content_type=content_type_for(voucher),
                    object_id=str(voucher.pk),
                    transition="expire",
                    from_state=VoucherState.ACTIVE,
                    to_state=VoucherState.EXPIRED,
                    actor=actor,
                )
                audit.record(
                    audit.AuditAction.TRANSITION,
                    voucher,
                    actor=actor,
                    changes={"state": ["active", "expired"]},
                    message="expire",
                )
                outbox.emit(
                    "voucher.expired",
                    obj=voucher,
                    actor=actor,
                    title=_("Voucher %(code)s has expired") % {"code": voucher.code},
                    link=voucher.get_absolute_url(),
                    recipients=members_of(voucher.holder_id),
                    organizations=[voucher.holder_id],
                )
                done.append(voucher.pk)


# --------------------------------------------------------------------------- settlement


def create_batch(*, actor: User, provider: Provider) -> SettlementBatch:
    """Art. 15: the issuing region gathers a provider's approved, unsettled claims into a payment batch."""
    province = official_province_id(actor)
    if not province:
        raise PermissionDenied(_("Only officials of the issuing region may prepare settlement batches."))
    with transaction.atomic():
        claims = list(
            Claim.objects.select_for_update()
            .filter(
                state=ClaimState.APPROVED, batch__isnull=True, issuing_region_id=province, provider=provider
            )
            .order_by("pk")
        )
        if not claims:
            raise ValidationError(
                {"provider": _("This provider has no approved claims awaiting settlement.")}
            )
        total = sum((c.amount for c in claims), Decimal(0))
        batch = SettlementBatch.objects.create(
            issuing_region_id=province, provider=provider, total=total, created_by=actor
        )
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(batch=batch)
        audit.record(
            audit.AuditAction.CREATE, batch, actor=actor, changes={"total": str(total), "claims": len(claims)}
        )
        return batch


def pay_batch(
    batch: SettlementBatch, /, *, actor: User, reference: str = "", reason: str = "", **_ignored
) -> SettlementBatch:
    """Art. 15: the issuing region marks a batch paid; each of its claims is paid once (the ledger's
    unique payment entry per claim holds that in PostgreSQL)."""
    with transaction.atomic():
        batch = _lock(SettlementBatch, batch.pk)
        BATCH_WORKFLOW.ensure(batch, "pay", actor)
        reference = _text(reference, "reference", max_length=100)
        reason = _text(reason, "reason")
        for claim in Claim.objects.select_for_update().filter(batch=batch).order_by("pk"):
            _ledger(
                LedgerKind.PAYMENT,
                programme_id=claim.voucher.programme_id,
                voucher_id=claim.voucher_id,
                claim_id=claim.pk,
                amount=claim.amount,
                actor=actor,
                note=reference,
            )
            claim.state = ClaimState.PAID
            claim.save(update_fields=["state", "updated_at"])
            StateChange.objects.create(
                content_type=content_type_for(claim),
                object_id=str(claim.pk),
                transition="pay",
                from_state=ClaimState.APPROVED,
                to_state=ClaimState.PAID,
                actor=actor,
                reason=reference,
            )
        batch.paid_at = timezone.now()
        batch.payment_reference = (reference or reason or "")[:100]
        return BATCH_WORKFLOW.apply(
            batch,
            "pay",
            actor=actor,
            inputs={"reason": reason or reference},
            changed_fields=["paid_at", "payment_reference"],
            payload={"total": str(batch.total)},
        )


# --------------------------------------------------------------------------- ledger


def ledger_totals(programme: Programme) -> dict[str, Decimal]:
    rows = LedgerEntry.objects.filter(programme=programme).values("kind").annotate(total=Sum("amount"))
    totals = {k: Decimal("0.00") for k in LedgerKind.values}
    totals.update({r["kind"]: r["total"] for r in rows})
    return totals


def reconcile(programme: Programme) -> dict[str, Decimal]:
    """Balances derived from the ledger alone, checked against the stored counters and the budget.
    Raises AssertionError naming the first mismatch."""
    t = ledger_totals(programme)
    returned = t["expiry"] + t["revocation"]
    budget = t["allocation"] + t["top_up"] - t["reduction"]
    derived = {
        "budget": budget,
        "unissued": budget - t["issue"] + returned,
        "voucher_available": t["issue"] - t["reservation"] + t["release"] - returned,
        "reserved": t["reservation"] - t["release"] - t["redemption"],
        "payable": t["redemption"] - t["payment"],
        "paid": t["payment"],
    }
    programme.refresh_from_db()
    v = programme.vouchers.aggregate(
        amount=Sum("amount"), reserved=Sum("reserved"), redeemed=Sum("redeemed"), returned=Sum("returned")
    )
    v = {k: val or Decimal("0.00") for k, val in v.items()}
    checks = {
        "budget": (derived["budget"], programme.total_budget),
        "whole": (
            derived["unissued"]
            + derived["voucher_available"]
            + derived["reserved"]
            + derived["payable"]
            + derived["paid"],
            programme.total_budget,
        ),
        "issued_total": (t["issue"] - returned, programme.issued_total),
        "voucher_amounts": (t["issue"], v["amount"]),
        "reserved": (derived["reserved"], v["reserved"]),
        "redeemed": (t["redemption"], v["redeemed"]),
        "returned": (returned, v["returned"]),
        # the cap per enterprise counts what was issued: expiry and revocation do not free it
        "allowances": (
            t["issue"],
            Allowance.objects.filter(programme=programme).aggregate(s=Sum("issued"))["s"] or Decimal("0.00"),
        ),
        "paid": (
            t["payment"],
            Claim.objects.filter(voucher__programme=programme, state=ClaimState.PAID).aggregate(
                s=Sum("amount")
            )["s"]
            or Decimal("0.00"),
        ),
    }
    for name, (a, b) in checks.items():
        if a != b:
            raise AssertionError(f"ledger mismatch on {name}: {a} != {b}")
    for name, value in derived.items():
        if value < 0:
            raise AssertionError(f"negative {name}: {value}")
    return derived
