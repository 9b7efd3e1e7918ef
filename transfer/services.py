"""Use cases of technology transfer: one function per use case, each checks its rule, writes, audits
and emits in one transaction (articles 9 and 10 of the Tianjin decision, and article 11 for the
parks a listing or deal is linked to)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import attachments, audit, outbox, search
from portal.exceptions import PermissionDenied, TransitionNotAllowed, ValidationError
from portal.models import Organization, Region, User
from portal.permissions import official_province_id, require
from portal.system import system_actor

from .models import (
    Base,
    Deal,
    Listing,
    ListingKind,
    ListingState,
    MatchingList,
    MatchPair,
    Showcase,
    ShowcaseItem,
    TechField,
    ValuationRequest,
)
from .permissions import may_publish
from .validators import normalize_ip_reference
from .workflows import LISTING_WORKFLOW, PAIR_WORKFLOW, VALUATION_WORKFLOW, region_officials

__all__ = [
    "LISTING_FIELDS",
    "listing_create",
    "listing_update",
    "listing_submit",
    "listing_publish",
    "listing_return",
    "listing_negotiate",
    "listing_conclude",
    "listing_withdraw",
    "listings_expire",
    "refresh_search",
    "matching_list_create",
    "pair_propose",
    "pair_negotiate",
    "pair_deal",
    "pair_decline",
    "valuation_request",
    "valuation_accept",
    "valuation_complete",
    "valuation_decline",
    "deal_register",
    "showcase_create",
    "showcase_feature",
    "showcase_unfeature",
    "EXPIRY_WARNING_DAYS",
]

LISTING_FIELDS = (
    "kind",
    "result_type",
    "title",
    "summary",
    "description",
    "field",
    "trl",
    "ip_refs",
    "transfer_mode",
    "price",
    "negotiable",
    "region",
    "base",
    "contact_name",
    "contact_phone",
    "contact_email",
    "expires_on",
)
EXPIRY_WARNING_DAYS = 7
_REGISTRATION_RE = re.compile(r"^(19|20)\d{2}\d{6}\d{4,8}$")


def _decimal(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 120000.00.")}) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) >= Decimal("1e12"):
        raise ValidationError({field: _("Enter an amount in yuan with at most two decimals.")})
    return amount


def _date(value: Any, field: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")}) from None


def _fk(model, value: Any, field: str):
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    obj = model.objects.filter(pk=value).first() if str(value).strip() else None
    if obj is None:
        raise ValidationError({field: _("Choose a valid option.")})
    return obj


def _apply_fields(listing: Listing, data: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    for name in LISTING_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "price":
            listing.price = _decimal(value, "price")
        elif name == "expires_on":
            listing.expires_on = _date(value, "expires_on")
        elif name == "region":
            listing.region = _fk(Region, value, "region")
        elif name == "base":
            listing.base = _fk(Base, value, "base")
        elif name == "trl":
            if value in (None, ""):
                listing.trl = None
            else:
                try:
                    listing.trl = int(value)
                except (TypeError, ValueError):
                    errors["trl"] = _("Enter a level from 1 to 9.")
        elif name == "ip_refs":
            if isinstance(value, str):
                value = [v for v in re.split(r"[\s,;，；]+", value) if v]
            listing.ip_refs = [normalize_ip_reference(v) for v in (value or [])]
        elif name == "negotiable":
            listing.negotiable = value in (True, "true", "True", "on", "1", 1)
        else:
            setattr(listing, name, "" if value is None else str(value).strip())
    if errors:
        raise ValidationError(errors)


def _validate(listing: Listing) -> None:
    errors: dict[str, str] = {}
    if listing.trl is not None and not 1 <= listing.trl <= 9:
        errors["trl"] = _("Enter a level from 1 to 9.")
    if listing.price is not None and listing.price < 0:
        errors["price"] = _("A price cannot be negative.")
    if listing.price is None and not listing.negotiable:
        errors["price"] = _("Give a price or budget, or mark it negotiable.")
    if listing.kind == ListingKind.SUPPLY and not listing.result_type:
        errors["result_type"] = _("Say what kind of result is offered.")
    if listing.kind == ListingKind.DEMAND:
        listing.result_type = ""
    if listing.expires_on and listing.expires_on <= timezone.localdate():
        errors["expires_on"] = _("The expiry date must be in the future.")
    if errors:
        raise ValidationError(errors)
    listing.full_clean(exclude=["owner", "created_by", "province", "search_vector", "key_terms"])


def refresh_search(listing: Listing) -> None:
    """Write the listing's tsvector and key terms (tokenized in Python by rjieba, indexed by PostgreSQL)."""
    text = f"{listing.summary}\n{listing.description}"
    vector = search.tsvector_value(
        search.tsvector_literal(
            (listing.title, "A"),
            (listing.summary, "B"),
            (listing.description, "D"),
            (" ".join(listing.ip_refs), "C"),
        )
    )
    terms = search.key_terms(listing.title, text)
    Listing.objects.filter(pk=listing.pk).update(search_vector=vector, key_terms=terms)
    listing.key_terms = terms


def listing_create(*, actor: User, data: dict[str, Any], submit: bool = False) -> Listing:
    """Art. 9: an enterprise, university, institute or partner system publishes a technology supply or
    demand. It starts as a draft (``submit=True`` sends it to its region's agency for review at once)."""
    if not may_publish(actor):
        audit.record(
            audit.AuditAction.PERMISSION_DENIED, None, actor=actor, message="transfer listing create"
        )
        raise PermissionDenied(_("Only members of an organization may publish listings."))
    org = actor.organization
    listing = Listing(owner=org, created_by=actor, region_id=org.region_id, negotiable=False)
    _apply_fields(listing, data)
    if listing.kind not in ListingKind.values:
        raise ValidationError({"kind": _("Choose supply or demand.")})
    _validate(listing)
    with transaction.atomic():
        listing.save()
        refresh_search(listing)
        audit.record(
            audit.AuditAction.CREATE, listing, actor=actor, changes=audit.snapshot(listing, LISTING_FIELDS)
        )
        if submit:
            LISTING_WORKFLOW.apply(listing, "submit", actor=actor)
    return listing


def listing_update(listing: Listing, *, actor: User, data: dict[str, Any]) -> Listing:
    """Art. 9: the owner edits a draft (also one returned by the reviewers)."""
    require(actor, "change", listing)
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(pk=listing.pk)
        if listing.state != ListingState.DRAFT:
            raise TransitionNotAllowed(_("Only a draft can be edited."))
        before = audit.snapshot(listing, LISTING_FIELDS)
        _apply_fields(listing, {k: v for k, v in data.items() if k != "kind"})
        _validate(listing)
        listing.save()
        refresh_search(listing)
        audit.record(
            audit.AuditAction.UPDATE,
            listing,
            actor=actor,
            changes=audit.diff(before, audit.snapshot(listing, LISTING_FIELDS)),
        )
    return listing


def listing_submit(listing: Listing, *, actor: User, **inputs) -> Listing:
    """Art. 9: send a draft to the agency of its region for review."""
    return LISTING_WORKFLOW.apply(listing, "submit", actor=actor, inputs=inputs)


def listing_publish(listing: Listing, *, actor: User, **inputs) -> Listing:
    """Art. 9: the region's agency publishes a reviewed listing; the owner is told."""
    listing.published_at = timezone.now()
    return LISTING_WORKFLOW.apply(
        listing, "publish", actor=actor, inputs=inputs, changed_fields=["published_at"]
    )


def listing_return(listing: Listing, *, actor: User, reason: str = "", **inputs) -> Listing:
    """Art. 9: the region's agency returns a listing to its owner with a reason."""
    return LISTING_WORKFLOW.apply(listing, "return", actor=actor, inputs={"reason": reason, **inputs})


def listing_negotiate(listing: Listing, *, actor: User, **inputs) -> Listing:
    """Art. 9: the owner marks a published listing as in negotiation."""
    return LISTING_WORKFLOW.apply(listing, "negotiate", actor=actor, inputs=inputs)


def listing_conclude(listing: Listing, *, actor: User, **inputs) -> Listing:
    """Art. 9: the owner marks a listing as concluded."""
    return LISTING_WORKFLOW.apply(listing, "conclude", actor=actor, inputs=inputs)


def listing_withdraw(listing: Listing, *, actor: User, **inputs) -> Listing:
    """Art. 9: the owner withdraws a listing."""
    return LISTING_WORKFLOW.apply(listing, "withdraw", actor=actor, inputs=inputs)


def listings_expire(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Art. 9: tell owners a week before their listing expires, then expire it. Each listing is warned
    once and expired once, whoever else runs this at the same time (rows locked, skip locked)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    actor = system_actor()
    live = [ListingState.PUBLISHED, ListingState.NEGOTIATING]
    warned = expired = 0
    warn_ids = list(
        Listing.objects.filter(
            state__in=live,
            expiry_warned_at__isnull=True,
            expires_on__gte=today,
            expires_on__lte=today + datetime.timedelta(days=EXPIRY_WARNING_DAYS),
        ).values_list("pk", flat=True)[:5000]
    )
    for pk in warn_ids:
        with transaction.atomic():
            listing = (
                Listing.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state__in=live, expiry_warned_at__isnull=True)
                .first()
            )
            if listing is None:
                continue
            listing.expiry_warned_at = now
            listing.save(update_fields=["expiry_warned_at", "updated_at"])
            audit.record(
                audit.AuditAction.REMINDER, listing, actor=actor, message=f"expires on {listing.expires_on}"
            )
            outbox.emit(
                "transfer.listing.expiring",
                obj=listing,
                actor=actor,
                title=_("%(title)s expires on %(date)s")
                % {"title": listing.title, "date": listing.expires_on},
                body=_("Extend or conclude it before then, or it will no longer be shown."),
                link=listing.get_absolute_url(),
                recipients=User.objects.filter(organization_id=listing.owner_id, is_active=True),
                payload={"expires_on": listing.expires_on.isoformat()},
            )
            warned += 1
    expire_ids = list(
        Listing.objects.filter(state__in=live, expires_on__lt=today).values_list("pk", flat=True)[:5000]
    )
    for pk in expire_ids:
        with transaction.atomic():
            listing = (
                Listing.objects.select_for_update(skip_locked=True).filter(pk=pk, state__in=live).first()
            )
            if listing is None:
                continue
            LISTING_WORKFLOW.apply(listing, "expire", actor=actor)
            expired += 1
    return {"warned": warned, "expired": expired}


# --------------------------------------------------------------------------- matching list


def matching_list_create(*, actor: User, period: str, title: str = "") -> MatchingList:
    """Art. 9: officials of a region open the supply–demand matching list (供需对接清单) of a period."""
    province = official_province_id(actor)
    if not province:
        raise PermissionDenied(_("Only officials compile matching lists."))
    period = (period or "").strip()
    if not re.match(r"^\d{4}(-(Q[1-4]|H[12]|\d{2}))?$", period):
        raise ValidationError({"period": _("Enter a period such as 2026, 2026-Q4 or 2026-11.")})
    with transaction.atomic():
        if MatchingList.objects.filter(province_id=province, period=period).exists():
            raise ValidationError({"period": _("Your region already has a list for this period.")})
        region = Region.objects.get(pk=province)
        mlist = MatchingList.objects.create(
            province=region,
            period=period,
            title=(title or "").strip()[:200] or f"{region.name}{period}技术供需对接清单",
            created_by=actor,
        )
        audit.record(audit.AuditAction.CREATE, mlist, actor=actor)
    return mlist


def pair_propose(
    *, actor: User, matching_list: MatchingList, demand: Listing | int, supply: Listing | int
) -> MatchPair:
    """Art. 9: propose a demand–supply pair on the list; both owners are told."""
    require(actor, "change", matching_list)
    from .selectors import match_score

    demand = _fk(Listing, demand, "demand")
    supply = _fk(Listing, supply, "supply")
    errors = {}
    if demand is None or demand.kind != ListingKind.DEMAND or not demand.is_public:
        errors["demand"] = _("Choose a published technology demand.")
    if supply is None or supply.kind != ListingKind.SUPPLY or not supply.is_public:
        errors["supply"] = _("Choose a published technology supply.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        MatchingList.objects.select_for_update().get(pk=matching_list.pk)
        if MatchPair.objects.filter(matching_list=matching_list, demand=demand, supply=supply).exists():
            raise ValidationError({"supply": _("This pair is already on the list.")})
        score, reasons = match_score(demand, supply)
        pair = MatchPair.objects.create(
            matching_list=matching_list,
            demand=demand,
            supply=supply,
            score=score,
            reasons=reasons,
            created_by=actor,
        )
        audit.record(audit.AuditAction.CREATE, pair, actor=actor, message=reasons)
        outbox.emit(
            "transfer.pair.proposed",
            obj=pair,
            actor=actor,
            title=_("Proposed match: %(demand)s ↔ %(supply)s")
            % {"demand": demand.title, "supply": supply.title},
            body=reasons,
            link=matching_list.get_absolute_url(),
            recipients=User.objects.filter(
                organization_id__in=[demand.owner_id, supply.owner_id], is_active=True
            ),
            organizations=[demand.owner_id, supply.owner_id],
            payload={"demand": demand.pk, "supply": supply.pk, "matching_list": matching_list.pk},
        )
    return pair


def pair_negotiate(pair: MatchPair, *, actor: User, **inputs) -> MatchPair:
    """Art. 9: the pair's two sides are negotiating."""
    return PAIR_WORKFLOW.apply(pair, "negotiate", actor=actor, inputs=inputs)


def pair_deal(pair: MatchPair, *, actor: User, **inputs) -> MatchPair:
    """Art. 9: the pair reached a deal."""
    return PAIR_WORKFLOW.apply(pair, "deal", actor=actor, inputs=inputs)


def pair_decline(pair: MatchPair, *, actor: User, reason: str = "", **inputs) -> MatchPair:
    """Art. 9: one side declined the pair."""
    return PAIR_WORKFLOW.apply(pair, "decline", actor=actor, inputs={"reason": reason, **inputs})


# --------------------------------------------------------------------------- valuation


def valuation_request(
    *, actor: User, listing: Listing, institution: Organization | int, note: str = ""
) -> ValuationRequest:
    """Art. 9: the owner asks a service institution to value a result (成果评价)."""
    require(actor, "request_valuation", listing)
    institution = _fk(Organization, institution, "institution")
    if institution is None or institution.kind not in ("provider", "institute", "other", "enterprise"):
        raise ValidationError({"institution": _("Choose a service institution.")})
    if institution.pk == listing.owner_id:
        raise ValidationError({"institution": _("An organization cannot value its own result.")})
    with transaction.atomic():
        v = ValuationRequest.objects.create(
            listing=listing, institution=institution, requested_by=actor, note=(note or "")[:5000]
        )
        audit.record(audit.AuditAction.CREATE, v, actor=actor)
        outbox.emit(
            "transfer.valuation.requested",
            obj=v,
            actor=actor,
            title=_("Valuation requested: %(title)s") % {"title": listing.title},
            link=v.get_absolute_url(),
            recipients=User.objects.filter(organization=institution, is_active=True),
            organizations=[institution.pk],
        )
    return v


def valuation_accept(v: ValuationRequest, *, actor: User, **inputs) -> ValuationRequest:
    """Art. 9: the institution takes on the valuation."""
    return VALUATION_WORKFLOW.apply(v, "accept", actor=actor, inputs=inputs)


def valuation_complete(
    v: ValuationRequest,
    *,
    actor: User,
    result_value: Any = None,
    result_note: str = "",
    report: UploadedFile | None = None,
    **inputs,
) -> ValuationRequest:
    """Art. 9: the institution delivers the value and its report (attached, hashed)."""
    amount = _decimal(result_value, "result_value")
    if amount is None:
        raise ValidationError({"result_value": _("This field is required.")})
    if amount < 0:
        raise ValidationError({"result_value": _("A value cannot be negative.")})
    with transaction.atomic():
        v.result_value = amount
        v.result_note = (result_note or "")[:5000]
        VALUATION_WORKFLOW.apply(
            v,
            "complete",
            actor=actor,
            inputs={"result_value": str(amount), **inputs},
            changed_fields=["result_value", "result_note"],
        )
        if report is not None:
            attachments.attach(v, report, actor=actor, purpose="valuation_report", field="report")
    return v


def valuation_decline(v: ValuationRequest, *, actor: User, reason: str = "", **inputs) -> ValuationRequest:
    """Art. 9: the institution declines the valuation."""
    return VALUATION_WORKFLOW.apply(v, "decline", actor=actor, inputs={"reason": reason, **inputs})


# --------------------------------------------------------------------------- deals


def deal_register(*, actor: User, data: dict[str, Any]) -> Deal:
    """Art. 9, 10: register a concluded transfer (its technology contract); the regions of both sides
    are told, and the listing it came from is concluded."""
    listing = _fk(Listing, data.get("listing"), "listing")
    seller = _fk(Organization, data.get("seller"), "seller") or (listing.owner if listing else None)
    errors: dict[str, str] = {}
    if seller is None:
        errors["seller"] = _("This field is required.")
    elif not (
        (
            actor.organization_id == seller.pk
            and actor.has_role("enterprise_member", "provider_member", "partner_system")
        )
        or official_province_id(actor) == seller.province_id
    ):
        audit.record(audit.AuditAction.PERMISSION_DENIED, listing, actor=actor, message="deal register")
        raise PermissionDenied(_("Only the seller or officials of its region register a deal."))
    if listing is not None and listing.owner_id != getattr(seller, "pk", None):
        errors["listing"] = _("The listing must belong to the seller.")
    amount = _decimal(data.get("contract_amount"), "contract_amount")
    if amount is None or amount <= 0:
        errors["contract_amount"] = _("Enter the contract amount (more than zero).")
    number = re.sub(r"\s+", "", str(data.get("registration_number") or ""))
    if not _REGISTRATION_RE.match(number):
        errors["registration_number"] = _(
            "A technology contract registration number is the year, the region code and a serial number "
            "(e.g. 2026120104000123)."
        )
    elif Deal.objects.filter(registration_number=number).exists():
        errors["registration_number"] = _("A deal with this registration number is already registered.")
    field = str(data.get("field") or (listing.field if listing else ""))
    if field not in TechField.values:
        errors["field"] = _("Choose a field.")
    buyer = _fk(Organization, data.get("buyer"), "buyer")
    buyer_name = str(data.get("buyer_name") or (buyer.name if buyer else "")).strip()
    if not buyer_name:
        errors["buyer_name"] = _("Name the buyer.")
    buyer_region = _fk(Region, data.get("buyer_region"), "buyer_region") or (buyer.region if buyer else None)
    signed_on = _date(data.get("signed_on") or "", "signed_on")
    if signed_on > timezone.localdate():
        errors["signed_on"] = _("The signing date cannot be in the future.")
    title = str(data.get("title") or (listing.title if listing else "")).strip()
    if not title:
        errors["title"] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    seller_region = _fk(Region, data.get("seller_region"), "seller_region") or (
        listing.region if listing else seller.region
    )
    base = _fk(Base, data.get("base"), "base") or (listing.base if listing else None)
    with transaction.atomic():
        deal = Deal.objects.create(
            listing=listing,
            title=title[:200],
            field=field,
            contract_amount=amount,
            registration_number=number,
            seller=seller,
            seller_region=seller_region,
            buyer=buyer,
            buyer_name=buyer_name[:200],
            buyer_region=buyer_region,
            signed_on=signed_on,
            base=base,
            registered_by=actor,
        )
        audit.record(audit.AuditAction.CREATE, deal, actor=actor, changes=audit.snapshot(deal))
        provinces = {deal.seller_province_id, deal.buyer_province_id} - {None}
        recipients = [u for p in provinces for u in region_officials(p)]
        outbox.emit(
            "transfer.deal.registered",
            obj=deal,
            actor=actor,
            title=_("Deal registered: %(title)s (¥%(amount)s)")
            % {"title": deal.title, "amount": deal.contract_amount},
            body=f"{deal.seller} → {deal.buyer_name}",
            link=deal.get_absolute_url(),
            recipients=recipients,
            organizations=[o for o in (deal.seller_id, deal.buyer_id) if o],
            payload={"amount": str(deal.contract_amount), "within_region": deal.within_region},
        )
        if listing is not None and listing.state in (ListingState.PUBLISHED, ListingState.NEGOTIATING):
            LISTING_WORKFLOW.apply(listing, "conclude", actor=actor, payload={"deal": deal.pk})
    return deal


# --------------------------------------------------------------------------- showcases


def showcase_create(
    *,
    actor: User,
    title: str,
    starts_on: Any,
    ends_on: Any,
    description: str = "",
    venue: str = "",
) -> Showcase:
    """Art. 9 (成果展示推介): officials of a region open a named, dated showcase of results."""
    province = official_province_id(actor)
    if not province:
        audit.record(audit.AuditAction.PERMISSION_DENIED, None, actor=actor, message="showcase create")
        raise PermissionDenied(_("Only officials of a region compile showcases."))
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("This field is required.")
    elif len(title) > 200:
        errors["title"] = _("At most 200 characters.")
    start = end = None
    try:
        start = _date(starts_on, "starts_on")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        end = _date(ends_on, "ends_on")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if start and end and end < start:
        errors["ends_on"] = _("The end date cannot be before the start date.")
    if len(venue or "") > 200:
        errors["venue"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if Showcase.objects.filter(province_id=province, title=title, starts_on=start).exists():
            raise ValidationError(
                {"title": _("Your region already has a showcase of this name on this date.")}
            )
        showcase = Showcase.objects.create(
            province_id=province,
            title=title,
            description=(description or "")[:5000],
            venue=(venue or "").strip(),
            starts_on=start,
            ends_on=end,
            created_by=actor,
        )
        audit.record(audit.AuditAction.CREATE, showcase, actor=actor, changes=audit.snapshot(showcase))
        outbox.emit(
            "transfer.showcase.created",
            obj=showcase,
            actor=actor,
            title=_("Showcase: %(title)s") % {"title": showcase.title},
            link=showcase.get_absolute_url(),
            payload={"starts_on": start.isoformat(), "ends_on": end.isoformat(), "province": province},
        )
    return showcase


def showcase_feature(
    *, actor: User, showcase: Showcase, listing: Listing | int, note: str = ""
) -> ShowcaseItem:
    """Art. 9: feature a published technology supply in a showcase; its owner is told."""
    require(actor, "change", showcase)
    if len(note or "") > 300:
        raise ValidationError({"note": _("At most 300 characters.")})
    with transaction.atomic():
        Showcase.objects.select_for_update().get(pk=showcase.pk)
        pk = listing.pk if isinstance(listing, Listing) else listing
        try:
            locked = (
                Listing.objects.select_for_update().defer("search_vector").filter(pk=int(pk)).first()
                if pk not in (None, "")
                else None
            )
        except (TypeError, ValueError):
            locked = None
        if (
            locked is None
            or locked.kind != ListingKind.SUPPLY
            or locked.state not in (ListingState.PUBLISHED, ListingState.NEGOTIATING)
        ):
            raise ValidationError({"listing": _("Choose a published technology supply listing.")})
        if ShowcaseItem.objects.filter(showcase=showcase, listing=locked).exists():
            raise ValidationError({"listing": _("This listing is already in the showcase.")})
        item = ShowcaseItem.objects.create(
            showcase=showcase, listing=locked, note=(note or "").strip(), added_by=actor
        )
        audit.record(audit.AuditAction.CREATE, item, actor=actor, message=f"listing {locked.pk}")
        outbox.emit(
            "transfer.showcase.featured",
            obj=item,
            actor=actor,
            title=_("%(listing)s is featured in the showcase %(showcase)s")
            % {"listing": locked.title, "showcase": showcase.title},
            body=item.note,
            link=showcase.get_absolute_url(),
            recipients=User.objects.filter(organization_id=locked.owner_id, is_active=True),
            organizations=[locked.owner_id],
            payload={"showcase": showcase.pk, "listing": locked.pk},
        )
    return item


def showcase_unfeature(*, actor: User, showcase: Showcase, listing: Listing | int) -> None:
    """Art. 9: take a listing out of a showcase."""
    require(actor, "change", showcase)
    pk = listing.pk if isinstance(listing, Listing) else listing
    with transaction.atomic():
        Showcase.objects.select_for_update().get(pk=showcase.pk)
        try:
            item = ShowcaseItem.objects.filter(showcase=showcase, listing_id=int(pk)).first()
        except (TypeError, ValueError):
            item = None
        if item is None:
            raise ValidationError({"listing": _("This listing is not in the showcase.")})
        audit.record(audit.AuditAction.DELETE, item, actor=actor, message=f"listing {item.listing_id}")
        item.delete()
