"""Reads of technology transfer, scoped to the user and prefetched for what the page shows."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, ExtractYear, Lag, NullIf, Round
from django.utils.translation import gettext as _

from portal import search
from portal.models import Attachment, content_type_for
from portal.permissions import visible

from .models import (
    PUBLIC_STATES,
    Base,
    Deal,
    Listing,
    ListingKind,
    MatchingList,
    MatchPair,
    Showcase,
    ShowcaseItem,
    ValuationRequest,
)

__all__ = [
    "SEARCH_CAP",
    "listing_list",
    "listing_search",
    "index_first",
    "ts_rank",
    "match_list",
    "match_score",
    "base_list",
    "matching_list_list",
    "pair_list",
    "valuation_list",
    "deal_list",
    "deal_statistics",
    "deal_trend",
    "showcase_list",
    "showcase_items",
    "showcase_prefetch",
    "REPORT_PURPOSE",
]

REPORT_PURPOSE = "valuation_report"

# Rank only this many matches (PERFORMANCE.md: ranking every match of a common word takes seconds).
SEARCH_CAP = 500


class _TsRank(Func):
    function = "ts_rank"
    output_field = FloatField()

    def __init__(self, vector, query: str):
        super().__init__(vector, Value(query))

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        qsql, qparams = compiler.compile(self.source_expressions[1])
        return f"ts_rank({sql}, ({qsql})::tsquery)", [*params, *qparams]


def ts_rank(query: str) -> _TsRank:
    return _TsRank(F("search_vector"), query)


@contextmanager
def index_first():
    """Within the block, PostgreSQL prefers the GIN index over a sequential scan: the planner does not
    see the cost of reading out-of-line tsvectors and may scan a million rows for a common word
    (PERFORMANCE.md: 6.1 s against 0.75 s). Random page reads are costed as on a cached or SSD-backed
    server (the default 4.0 is for spinning disks): with it the planner reads a very common word through
    the province's B-tree and stops at the cap, instead of the word's whole posting list from the GIN
    index (芯片 in Tianjin: 45 → 4 ms; bench issue 10). Evaluate the search queryset inside the block.

    The settings are transaction-local: when the block is its own transaction its commit ends them;
    inside an enclosing one they would outlive the block, so the values found are put back when it
    ends (a block left by an error is rolled back to its savepoint, which undoes them too)."""
    nested = connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), current_setting('random_page_cost'),"
                " set_config('enable_seqscan', 'off', true), set_config('random_page_cost', '1.1', true)"
            )
            seqscan, page_cost = cursor.fetchone()[:2]
        yield
        if not nested:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('enable_seqscan', %s, true), set_config('random_page_cost', %s, true)",
                [seqscan, page_cost],
            )


def listing_list(*, user) -> QuerySet[Listing]:
    return (
        visible(user, Listing.objects.all())
        .select_related("owner", "region", "base")
        .defer("search_vector", "description")
    )


def listing_search(qs: QuerySet[Listing], query: str) -> QuerySet[Listing]:
    """Listings of ``qs`` containing every word of ``query``, the best first. The GIN index finds the
    matches; only the first SEARCH_CAP of them are ranked."""
    tsq = search.tsquery_for(query)
    if not tsq:
        return qs
    capped = qs.filter(search_vector__matches=tsq).order_by().values("pk")[:SEARCH_CAP]
    return qs.filter(pk__in=Subquery(capped)).annotate(rank=ts_rank(tsq)).order_by("-rank", "-id")


def match_score_expressions(listing: Listing) -> dict:
    terms = [t for t in listing.key_terms[:12] if search.tsquery_for(t)]
    shared = Value(0, output_field=IntegerField())
    for term in terms:
        shared = shared + Case(
            When(search_vector__matches=search.tsquery_for(term), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    same_field = Case(When(field=listing.field, then=Value(1)), default=Value(0), output_field=IntegerField())
    if listing.trl is None:
        trl_fit = Value(0, output_field=IntegerField())
    elif listing.kind == ListingKind.DEMAND:  # the supply is at least as mature as asked
        trl_fit = Case(
            When(trl__gte=listing.trl, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    else:  # the demand asks no more than the supply offers
        trl_fit = Case(
            When(trl__lte=listing.trl, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    return {"shared_terms": shared, "same_field": same_field, "trl_fit": trl_fit, "terms": terms}


def _reasons(obj, listing: Listing) -> str:
    parts = []
    if obj.same_field:
        parts.append(_("same field"))
    if obj.shared_terms:
        parts.append(_("%(n)d shared key terms") % {"n": obj.shared_terms})
    if obj.trl_fit and obj.trl:
        parts.append(_("TRL %(level)d fits") % {"level": obj.trl})
    return _(", ").join(parts) if parts else _("related text")


def match_list(*, user, listing: Listing, limit: int = 10) -> list[Listing]:
    """For a demand, the supply listings that fit it best (and the reverse), ranked by shared key terms,
    text relevance, field and TRL; each carries ``score`` and ``reasons``."""
    other = ListingKind.SUPPLY if listing.kind == ListingKind.DEMAND else ListingKind.DEMAND
    exprs = match_score_expressions(listing)
    terms = exprs.pop("terms")
    tsq = search.terms_query(terms)
    base = (
        visible(user, Listing.objects.all())
        .filter(kind=other, state__in=PUBLIC_STATES[:2])
        .exclude(pk=listing.pk)
    )
    candidates = base.filter(Q(search_vector__matches=tsq)) if tsq else base.filter(field=listing.field)
    capped = candidates.order_by().values("pk")[:SEARCH_CAP]
    # The database computes each part of the score once per candidate and the sum is made here, as in
    # match_score: a score annotated in SQL repeats every part it uses (twelve text tests and the rank,
    # each reading the candidate's words again), which doubled the query (bench, issue 10). Only the
    # best ``limit`` candidates are then read whole.
    parts = (
        Listing.objects.filter(pk__in=Subquery(capped))
        .annotate(**exprs, rank=ts_rank(tsq) if tsq else Value(0.0, output_field=FloatField()))
        .order_by()
        .values_list("pk", "shared_terms", "same_field", "trl_fit", "rank")
    )
    best = sorted(
        (
            (_score(shared, same, fit, rank), pk, shared, same, fit, rank)
            for pk, shared, same, fit, rank in parts
        ),
        key=lambda part: (-part[0], -part[1]),
    )[:limit]
    rows = Listing.objects.select_related("owner", "region").defer("search_vector", "description")
    found = rows.in_bulk([part[1] for part in best])
    out = []
    for score, pk, shared, same, fit, rank in best:
        row = found.get(pk)
        if row is None:  # deleted between the two reads
            continue
        row.score, row.shared_terms, row.same_field, row.trl_fit, row.rank = score, shared, same, fit, rank
        row.reasons = _reasons(row, listing)
        out.append(row)
    return out


def _score(shared_terms: int, same_field: int, trl_fit: int, rank: float) -> float:
    return shared_terms * 2.0 + same_field * 3.0 + trl_fit * 1.0 + rank * 10.0


def match_score(demand: Listing, supply: Listing) -> tuple[float, str]:
    """The score and reasons of one pair (the same formula as match_list)."""
    exprs = match_score_expressions(demand)
    terms = exprs.pop("terms")
    tsq = search.terms_query(terms)
    row = (
        Listing.objects.filter(pk=supply.pk)
        .annotate(**exprs, rank=ts_rank(tsq) if tsq else Value(0.0, output_field=FloatField()))
        .only("pk", "trl")
        .first()
    )
    return round(_score(row.shared_terms, row.same_field, row.trl_fit, row.rank), 3), _reasons(row, demand)


def base_list(*, user) -> QuerySet[Base]:
    return (
        visible(user, Base.objects.all())
        .select_related("region", "operator")
        .annotate(
            listing_count=Count("listings", filter=Q(listings__state__in=PUBLIC_STATES), distinct=True),
            deal_count=Count("deals", distinct=True),
        )
        .order_by("kind", "name")
    )


def matching_list_list(*, user) -> QuerySet[MatchingList]:
    return (
        visible(user, MatchingList.objects.all())
        .select_related("province")
        .annotate(pair_count=Count("pairs"))
        .order_by("-period", "-id")
    )


def pair_list(*, user) -> QuerySet[MatchPair]:
    return (
        visible(user, MatchPair.objects.all())
        .select_related("matching_list", "demand__owner", "supply__owner", "demand__region", "supply__region")
        .defer("demand__search_vector", "supply__search_vector", "demand__description", "supply__description")
    )


def valuation_list(*, user) -> QuerySet[ValuationRequest]:
    """Valuation requests, each with its latest report (``report_id``, ``report_name``, ``report_size``,
    ``report_sha256``) read in the same query."""
    reports = Attachment.objects.filter(
        content_type=content_type_for(ValuationRequest),
        object_id=Cast(OuterRef("pk"), CharField()),
        purpose=REPORT_PURPOSE,
    ).order_by("-id")
    return (
        visible(user, ValuationRequest.objects.all())
        .select_related("listing", "institution")
        .defer("listing__search_vector", "listing__description")
        .annotate(
            report_id=Subquery(reports.values("pk")[:1]),
            report_name=Subquery(reports.values("original_name")[:1]),
            report_size=Subquery(reports.values("size")[:1]),
            report_sha256=Subquery(reports.values("sha256")[:1]),
        )
    )


def deal_list(*, user) -> QuerySet[Deal]:
    return visible(user, Deal.objects.all()).select_related(
        "seller", "buyer", "seller_region", "buyer_region", "base"
    )


def _share(part, whole):
    """``part`` as a percentage of ``whole`` with one decimal, computed by PostgreSQL (NULL for 0 deals)."""
    dec = DecimalField(max_digits=20, decimal_places=4)
    return Round(
        ExpressionWrapper(
            Cast(part, dec)
            * Value(100, output_field=dec)
            / NullIf(Cast(whole, dec), Value(0, output_field=dec)),
            output_field=dec,
        ),
        1,
        output_field=DecimalField(max_digits=5, decimal_places=1),
    )


def _deal_aggregates() -> dict:
    within = Q(within_region=True)
    return {
        "deals": Count("id"),
        "amount": Sum("contract_amount"),
        "within": Count("id", filter=within),
        "within_amount": Sum("contract_amount", filter=within),
        "outside": Count("id", filter=~within),
        "outside_amount": Sum("contract_amount", filter=~within),
        "share": _share(Count("id", filter=within), Count("id")),
        "amount_share": _share(Sum("contract_amount", filter=within), Sum("contract_amount")),
    }


def deal_statistics(qs: QuerySet[Deal]) -> list[dict]:
    """Deals by year and field: how many and how much stayed within Beijing, Tianjin and Hebei and
    how many went outside, the share within (by number and by amount, 转化比重), and the change of
    that share in percentage points since the field's previous year with deals. One query."""
    aggregates = _deal_aggregates()
    return list(
        qs.order_by()
        .annotate(year=ExtractYear("signed_on"))
        .values("year", "field")
        .annotate(**aggregates)
        .annotate(
            share_change=aggregates["share"]
            - Window(Lag(aggregates["share"]), partition_by=[F("field")], order_by=F("year").asc())
        )
        .order_by("-year", "field")
    )


def deal_trend(qs: QuerySet[Deal]) -> list[dict]:
    """The trend of the share transferred within the three regions (art. 9: 提升区域内转化效率和比重):
    one row per year, all fields together, with the change in percentage points since the previous
    year with deals. One query; the oldest year first."""
    aggregates = _deal_aggregates()
    return list(
        qs.order_by()
        .annotate(year=ExtractYear("signed_on"))
        .values("year")
        .annotate(**aggregates)
        .annotate(
            share_change=aggregates["share"] - Window(Lag(aggregates["share"]), order_by=F("year").asc()),
            amount_share_change=aggregates["amount_share"]
            - Window(Lag(aggregates["amount_share"]), order_by=F("year").asc()),
        )
        .order_by("year")
    )


def showcase_list(*, user) -> QuerySet[Showcase]:
    """Showcases, the current and coming ones first, with the number of listings publicly shown."""
    from django.utils import timezone

    today = timezone.localdate()
    return (
        visible(user, Showcase.objects.all())
        .select_related("province")
        .annotate(
            item_count=Count("items", filter=Q(items__listing__state__in=PUBLIC_STATES), distinct=True),
            past=Case(When(ends_on__lt=today, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .order_by("past", "starts_on", "id")
    )


def showcase_items(*, user, showcase: Showcase) -> list[ShowcaseItem]:
    """The featured listings of a showcase that the user may see (public ones for everyone)."""
    listings = listing_list(user=user).filter(state__in=PUBLIC_STATES)
    return list(
        ShowcaseItem.objects.filter(showcase=showcase, listing__in=listings)
        .select_related("listing__owner", "listing__region")
        .defer("listing__search_vector", "listing__description")
        .order_by("id")
    )


def showcase_prefetch(user) -> Prefetch:
    listings = listing_list(user=user).filter(state__in=PUBLIC_STATES)
    return Prefetch(
        "items",
        queryset=ShowcaseItem.objects.filter(listing__in=listings)
        .select_related("listing__owner", "listing__region")
        .defer("listing__search_vector", "listing__description")
        .order_by("id"),
        to_attr="shown_items",
    )
