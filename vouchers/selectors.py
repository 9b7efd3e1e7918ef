"""Reads of this app, scoped to the user and prefetched for what the page shows, so a list costs a
fixed number of queries whatever its length."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Upper
from django.utils.translation import gettext as _

from portal.exceptions import ValidationError
from portal.models import Deadline, Region, User
from portal.permissions import visible
from portal.selectors import SUGGESTION_LIMIT, SUGGESTION_MIN_LENGTH, as_rows

from .models import (
    Application,
    Claim,
    ClaimState,
    LedgerEntry,
    Programme,
    Provider,
    ProviderState,
    Service,
    SettlementBatch,
    Voucher,
)
from .workflows import REVIEW_CLAIM

__all__ = [
    "programme_list",
    "provider_list",
    "service_list",
    "application_list",
    "voucher_list",
    "claim_list",
    "batch_list",
    "ledger_list",
    "cross_region_statement",
    "statement_year",
]


def programme_list(*, user: User) -> QuerySet[Programme]:
    return visible(user, Programme.objects.select_related("region", "agency"))


def provider_list(*, user: User) -> QuerySet[Provider]:
    return visible(
        user,
        Provider.objects.select_related("organization", "province")
        .annotate(service_count=Count("services"))
        .order_by("organization__name", "pk"),
    )


def service_list(*, user: User) -> QuerySet[Service]:
    return visible(user, Service.objects.select_related("provider__organization", "provider__province"))


def offered_services(*, user: User) -> QuerySet[Service]:
    """What an enterprise can book: active services of approved providers, in all three regions."""
    return service_list(user=user).filter(active=True, provider__state=ProviderState.APPROVED)


def service_suggestions(*, user: User, query: str) -> QuerySet[Service]:
    """What a voucher's service box offers for ``query``: the offered service of that number, or those
    whose name or model contains it; at most ``SUGGESTION_LIMIT``, by name. (A scan of the offered
    services: 5,000 at the bench's scale, about 2 ms.)"""
    query = query.strip()
    if len(query) < SUGGESTION_MIN_LENGTH:
        return Service.objects.none()
    typed = query.upper()
    found = Q(name_upper__contains=typed) | Q(model_number_upper__contains=typed)
    if query.isascii() and query.isdigit() and len(query) <= 18:  # a number a bigint holds
        found |= Q(pk=int(query))
    return (
        offered_services(user=user)
        .alias(name_upper=Upper("name"), model_number_upper=Upper("model_number"))
        .filter(found)
        .order_by("name", "pk")[:SUGGESTION_LIMIT]
    )


def application_list(*, user: User) -> QuerySet[Application]:
    return visible(
        user, Application.objects.select_related("programme__region", "applicant", "submitted_by", "voucher")
    )


def voucher_list(*, user: User) -> QuerySet[Voucher]:
    return visible(user, Voucher.objects.select_related("programme__region", "holder"))


def claim_list(*, user: User) -> QuerySet[Claim]:
    """Claims with the due date of their open review (one subquery, not one query per row)."""
    review_due = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Claim),
        object_id=Cast(OuterRef("pk"), CharField()),
        kind=REVIEW_CLAIM.kind,
        status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED],
    ).values("due_at")[:1]
    return visible(
        user,
        Claim.objects.select_related(
            "voucher__holder",
            "provider__organization",
            "service",
            "issuing_region",
            "provider_region",
            "batch",
        ).annotate(review_due=Subquery(review_due)),
    )


def voucher_claims(*, user: User, voucher: Voucher, limit: int) -> list[Claim]:
    """A voucher's latest ``limit`` claims as its page shows them (number, service, provider, amount,
    state): the claims and the two names, not ``claim_list``'s nine joined tables (6 ms of planning
    for 20 rows; bench, issue 10)."""
    qs = visible(user, Claim.objects.filter(voucher=voucher))
    return list(
        as_rows(
            qs,
            names={
                "service_name": "service__name",
                "service_model": "service__model_number",
                "provider_name": "provider__organization__name",
            },
            columns=["id", "voucher_id", "provider_id", "service_id", "amount", "state"],
        ).order_by("-pk")[:limit]
    )


def batch_list(*, user: User) -> QuerySet[SettlementBatch]:
    return visible(
        user,
        SettlementBatch.objects.select_related("issuing_region", "provider__organization", "created_by")
        .annotate(claim_count=Count("claims"))
        .order_by("-pk"),
    )


def ledger_list(*, user: User) -> QuerySet[LedgerEntry]:
    return visible(user, LedgerEntry.objects.select_related("programme", "voucher", "claim"))


def statement_year(value: str | None) -> int | None:
    """The statement's ``year`` parameter: empty for every year, else a year from 2000 to 2100."""
    value = (value or "").strip()
    if not value:
        return None
    if not (len(value) == 4 and value.isascii() and value.isdigit() and 2000 <= int(value) <= 2100):
        raise ValidationError({"year": _("Enter a year from 2000 to 2100.")})
    return int(value)


def cross_region_statement(*, user: User, year: int | None = None) -> list[dict]:
    """How much of each issuing region's vouchers was redeemed at providers of each region (approved
    and paid claims), as rows of issuing region × provider region. Officials see their own region's
    issued vouchers and what was spent at their providers."""
    qs = visible(user, Claim.objects.filter(state__in=[ClaimState.APPROVED, ClaimState.PAID]))
    if year:
        qs = qs.filter(voucher__programme__year=year)
    rows = (
        qs.values("issuing_region_id", "provider_region_id")
        .annotate(total=Sum("amount"), claims=Count("id"))
        .order_by("issuing_region_id", "provider_region_id")
    )
    names = dict(Region.objects.filter(kind="province").values_list("code", "name"))
    return [
        {
            "issuing_region": names.get(r["issuing_region_id"], r["issuing_region_id"]),
            "provider_region": names.get(r["provider_region_id"], r["provider_region_id"]),
            "cross_region": r["issuing_region_id"] != r["provider_region_id"],
            "claims": r["claims"],
            "total": r["total"] or Decimal("0.00"),
        }
        for r in rows
    ]
