"""Reads of technology transfer, scoped to the user and prefetched for what the page shows."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Expression,
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
from django.db.models.sql.where import AND
from django.utils.translation import gettext as _

from portal import search
from portal.models import Attachment, content_type_for
from portal.permissions import split_scope, visible

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


# The planner's settings for a search (``index_first``), each with why.
_SEARCH_PLANNER = {
    # a sequential scan stops at the cap only if a word's matches are spread through the table: one
    # found only in recent listings (a new term) is read through every row first, 4.2 s over a million
    # listings, where the GIN bitmap takes about 250 ms at worst (PERFORMANCE.md measured 6.1 s against
    # 0.75 s before the words were kept in the row). The ranked search reads a signed-in user's scope in
    # parts for it (listing_search): as one OR, an official's unfiltered search of a common word built
    # that bitmap (105–188 ms for 芯片). The API list with words still reads the OR; newest first, it stops
    # early (an official's 芯片 9.5 ms, a rare phrase 28 ms, bench issue 10)
    "enable_seqscan": "off",
    # random page reads costed as on a cached or SSD-backed server (4.0 is for spinning disks): a very
    # common word is read through the province's B-tree, stopping at the cap, not through the word's
    # whole posting list from the GIN index (芯片 in Tianjin: 45 → 4 ms; bench issue 10)
    "random_page_cost": "1.1",
    # a GIN bitmap scan builds the whole bitmap of a word's matches before the cap applies, at about
    # 0.5 µs a match: 132,487 for 光刻 unfiltered, 49–70 ms. Costed at 0.005 a match, the planner chose
    # it for a word in one listing of eight; at 0.015 it scans the B-tree and stops at the cap (光刻:
    # 49–70 → 4–6 ms), and still takes the GIN index for rarer words and phrases (疫苗, 碳捕集, the
    # 4-character words: within noise). 0.01 left 光刻 on the bitmap, 0.02 gave the same plans as
    # 0.015, 0.03 put 碳捕集 on the B-tree (3.7 → 34 ms). 隔膜 (one listing of nine) stays on its
    # bitmap, 28 ms, where the B-tree would take about 16: the cost that moves it moves 碳捕集 too.
    # Measured with the endpoint's SQL over a million listings, bench issue 10.
    "cpu_index_tuple_cost": "0.015",
    # the ranked search takes a signed-in user's capped matches from the parts of the scope in their
    # order (listing_search); PostgreSQL's Append runs its parts in order unless it is a parallel one,
    # which could run them in any order. A search's plans are far too cheap to gain from workers.
    "max_parallel_workers_per_gather": "0",
}


@contextmanager
def index_first(active: bool = True):
    """Within the block, PostgreSQL plans the search as ``_SEARCH_PLANNER`` says: the GIN index rather
    than a sequential scan, and a B-tree read that stops at the cap rather than a GIN bitmap of a
    common word's every match. Evaluate the search queryset inside the block: every read of a search
    (the API's search and list, the page and its export) does. ``active=False`` (no words to find)
    leaves the planner alone, so a view reads its list the same way searching or not.

    The settings are transaction-local: when the block is its own transaction its commit ends them;
    inside an enclosing one they would outlive the block, so the values found are put back when it
    ends (a block left by an error is rolled back to its savepoint, which undoes them too)."""
    if not active:
        yield
        return
    nested = connection.in_atomic_block
    names = list(_SEARCH_PLANNER)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT "
                + ", ".join(["current_setting(%s)"] * len(names) + ["set_config(%s, %s, true)"] * len(names)),
                [*names, *(x for name in names for x in (name, _SEARCH_PLANNER[name]))],
            )
            found = cursor.fetchone()[: len(names)]
        yield
        if not nested:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
                [x for name, value in zip(names, found, strict=True) for x in (name, value)],
            )


def listing_list(*, user) -> QuerySet[Listing]:
    return (
        visible(user, Listing.objects.all())
        .select_related("owner", "region", "base")
        .defer("search_vector", "description")
    )


def listing_search(qs: QuerySet[Listing], query: str) -> QuerySet[Listing]:
    """Listings of ``qs`` containing every word of ``query``, the best first. The GIN index finds the
    matches; only the first SEARCH_CAP of them are ranked, where the index scan finds them, and a slice
    of the result reads only the rows it shows (``_BestRanked``).

    A signed-in user's scope has parts (``portal.permissions.Scope``): one's own unpublished listings,
    the public ones, the others of one's region. Each is read through its own index, and the capped
    matches are taken from them in that order (``_SEARCH_PLANNER``: no parallel plan, whose parts would
    come in any order): the public ones do not crowd out one's own drafts, and an official finds the
    region's listings under review after the public ones, when those leave room, or with the state
    filter. As one OR, the scope kept the search off the indexes that stop at the cap: an
    official's search of 芯片 took 105–188 ms, 5 ms now (bench issue 10)."""
    tsq = search.tsquery_for(query)
    if not tsq:
        return qs

    def capped(part: QuerySet[Listing]) -> QuerySet[Listing]:
        return (
            part.filter(search_vector__matches=tsq)
            .order_by()
            .annotate(rank=ts_rank(tsq))
            .values("pk", "rank")[:SEARCH_CAP]
        )

    first, *others = (capped(part) for part in split_scope(qs))
    matches = first.union(*others, all=True)[:SEARCH_CAP] if others else first
    best = _BestRanked(matches, filtered_by=tuple(qs.query.where.children))
    return qs.filter(pk__in=best).annotate(rank=ts_rank(tsq)).order_by("-rank", "-id")


class _BestRanked(Expression):
    """The primary keys of ``capped`` (matches and their rank, at most SEARCH_CAP), the best first, and
    no more of them than the query filtering by them shows: ``SELECT pk FROM (capped) ORDER BY rank
    DESC, pk DESC LIMIT k``, k being the end of that query's slice.

    The matches are ranked where the index scan finds them. Before, the query read each of the capped
    matches again by its primary key and ranked it there, to show twenty: 500 index probes and row
    reads (the endpoint's SQL for Tianjin's supplies with 芯片, pgbench: 12.7–15.5 → 10.2–10.9 ms;
    2–5 ms less on the other words measured; bench issue 10). k is taken only when it leaves the
    result as it was: the query is ordered by this rank, then the id, descending (as
    ``listing_search`` orders it), has no window over its rows, and filters by nothing the capped
    matches were not filtered by (``filtered_by``: the conditions of the queryset searched, its scope
    whole). Otherwise (a count, another order or rank, a window, a filter added
    later) every capped match is kept, as before."""

    output_field = IntegerField()

    def __init__(self, capped: QuerySet[Listing], *, filtered_by: tuple):
        super().__init__()
        self.capped = capped
        self.filtered_by = filtered_by

    def as_sql(self, compiler, connection):
        sql, params = self.capped.query.get_compiler(connection=connection).as_sql()
        shown = self._shown(compiler.query)
        best = "" if shown is None else f" ORDER BY c.rank DESC, c.pk DESC LIMIT {int(shown)}"
        return f"SELECT c.pk FROM ({sql}) AS c(pk, rank){best}", params

    def _shown(self, query) -> int | None:
        """How many of the best matches ``query`` can show, or None when it may show any of them."""
        if (
            query.high_mark is None
            or query.order_by != ("-rank", "-id")
            or not query.standard_ordering
            or query.extra_order_by
            or query.distinct
            or query.combinator
            or query.group_by is not None
            or query.select_for_update
            or query.annotations.get("rank") != self.capped.query.annotations["rank"]
            # a window over the result (a count, a row number) must see every capped match
            or any(getattr(a, "contains_over_clause", False) for a in query.annotations.values())
            or query.where.connector != AND
            or query.where.negated
        ):
            return None
        for condition in query.where.children:
            if getattr(condition, "rhs", None) is not self and condition not in self.filtered_by:
                return None
        return query.high_mark


def _match_terms(listing: Listing) -> list[str]:
    """The key terms a match tests: the listing's first twelve that make a query."""
    return [t for t in listing.key_terms[:12] if search.tsquery_for(t)]


def _match_parts(
    listing: Listing, candidates: QuerySet[Listing], limit: int | None = None
) -> list[tuple[int, int, int, int, float]]:
    """``(pk, shared_terms, same_field, trl_fit, rank)`` of each of ``candidates`` against ``listing``:
    how many of the listing's key terms the candidate's words contain, whether the field is the same,
    whether the TRL fits (a supply at least as mature as the demand asks), and the text relevance.

    The database computes each part once per candidate and the score is summed here: a score in SQL
    repeats every part it uses (bench, issue 10). The candidate's words are read once, in a subquery
    kept apart from the outer query (OFFSET 0), and the thirteen tests read that copy: as annotations
    each test read the row's out-of-line tsvector from TOAST again (matches' SQL 23 → 15 ms, 31,000 →
    6,600 buffers, bench issue 10). ``limit``: only the first that many candidates in their order, read
    with their words in the scan that finds them (before, the capped candidates' keys were found first
    and each row was read again by its key)."""
    terms = _match_terms(listing)
    tsq = search.terms_query(terms)
    inner = (
        (candidates if limit is not None else candidates.order_by())
        .annotate(words=_ReadOnce(F("search_vector")))
        .values_list("pk", "field", "trl", "words")
    )
    if limit is not None:
        inner = inner[:limit]
    try:
        inner_sql, inner_params = inner.query.sql_with_params()
    except EmptyResultSet:  # candidates that can be nothing (an empty scope): no parts
        return []
    tests = ["CASE WHEN s.words @@ (%s)::tsquery THEN 1 ELSE 0 END" for _term in terms]
    params: list = [search.tsquery_for(t) for t in terms]
    columns = [" + ".join(tests) or "0", "CASE WHEN s.field = %s THEN 1 ELSE 0 END"]
    params.append(listing.field)
    if listing.trl is None:
        columns.append("0")
    else:  # a demand: the supply is at least as mature as asked; a supply: the demand asks no more
        columns.append(
            f"CASE WHEN s.trl {'>=' if listing.kind == ListingKind.DEMAND else '<='} %s THEN 1 ELSE 0 END"
        )
        params.append(listing.trl)
    if tsq:
        columns.append("ts_rank(s.words, (%s)::tsquery)")
        params.append(tsq)
    else:
        columns.append("0.0")
    sql = f"SELECT s.pk, {', '.join(columns)} FROM ({inner_sql} OFFSET 0) AS s(pk, field, trl, words)"  # noqa: S608 - our own SQL and Django's
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *inner_params])
        return [(pk, shared, same, fit, float(rank)) for pk, shared, same, fit, rank in cursor.fetchall()]


class _ReadOnce(Func):
    """A tsvector as a value of its own (a concatenation with the empty vector): a column read through
    it is taken out of TOAST once, where each reference to the column reads it again. Since migration
    0007 a listing's words are written into its row, where a reference reads no TOAST; rows stored
    before it keep theirs out of line until the table is rewritten, and for them this still counts
    (not measured again on rows written in line)."""

    template = "(%(expressions)s || ''::tsvector)"
    output_field = search.TsVectorField()


def _reasons(trl: int | None, shared_terms: int, same_field: int, trl_fit: int) -> str:
    parts = []
    if same_field:
        parts.append(_("same field"))
    if shared_terms:
        parts.append(_("%(n)d shared key terms") % {"n": shared_terms})
    if trl_fit and trl:
        parts.append(_("TRL %(level)d fits") % {"level": trl})
    return _(", ").join(parts) if parts else _("related text")


def match_list(*, user, listing: Listing, limit: int = 10) -> list[Listing]:
    """For a demand, the supply listings that fit it best (and the reverse), ranked by shared key terms,
    text relevance, field and TRL; each carries ``score`` and ``reasons``.

    The newest SEARCH_CAP candidates sharing a key term are scored, the same ones on every request.
    Before, the first found by a sequential scan were, and PostgreSQL starts a scan of a large table
    where another one is (synchronized scans): a demand's matches changed from one request to the
    next. The primary key read backwards stops at the cap for common terms; the planner takes the
    words' index for rare ones, which the sequential scan read through the table for (a demand of
    量子通信: 134–168 → 11 ms; the bench's demands 8.4 → 4.0 ms of SQL; bench issue 10)."""
    other = ListingKind.SUPPLY if listing.kind == ListingKind.DEMAND else ListingKind.DEMAND
    tsq = search.terms_query(_match_terms(listing))
    base = (
        visible(user, Listing.objects.all())
        .filter(kind=other, state__in=PUBLIC_STATES[:2])
        .exclude(pk=listing.pk)
    )
    candidates = base.filter(Q(search_vector__matches=tsq)) if tsq else base.filter(field=listing.field)
    parts = _match_parts(listing, candidates.order_by("-id"), limit=SEARCH_CAP)
    best = sorted(
        (
            (_score(shared, same, fit, rank), pk, shared, same, fit, rank)
            for pk, shared, same, fit, rank in parts
        ),
        key=lambda part: (-part[0], -part[1]),
    )[:limit]
    # Only the best ``limit`` candidates are read whole.
    rows = Listing.objects.select_related("owner", "region").defer("search_vector", "description")
    found = rows.in_bulk([part[1] for part in best])
    out = []
    for score, pk, shared, same, fit, rank in best:
        row = found.get(pk)
        if row is None:  # deleted between the two reads
            continue
        row.score, row.shared_terms, row.same_field, row.trl_fit, row.rank = score, shared, same, fit, rank
        row.reasons = _reasons(row.trl, shared, same, fit)
        out.append(row)
    return out


def _score(shared_terms: int, same_field: int, trl_fit: int, rank: float) -> float:
    return shared_terms * 2.0 + same_field * 3.0 + trl_fit * 1.0 + rank * 10.0


def match_score(demand: Listing, supply: Listing) -> tuple[float, str]:
    """The score and reasons of one pair (the same formula as match_list)."""
    [(_pk, shared, same, fit, rank)] = _match_parts(demand, Listing.objects.filter(pk=supply.pk))
    return round(_score(shared, same, fit, rank), 3), _reasons(supply.trl, shared, same, fit)


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
