"""The officials' cockpit (art. 6): regional figures of every app, computed by the database.

Each figure is one aggregation query (GROUP BY province, never a Python loop over rows), so the whole
set costs ``QUERY_COUNT`` queries whatever the data volume; the result is cached briefly in Redis
(Django's cache) per set of provinces, and Celery beat recomputes every set the cockpit shows before
it runs out (``refresh``: the three provinces once, each province's figures taken from them), so no
official waits for the cold compute (about a second at the scale of the benchmark). Domain models
are read here, never written: the apps' own selectors serve their pages, this module only counts.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from .models import PROVINCE_CODES, Deadline, Role, StateChange, User
from .permissions import is_platform_admin, official_province_id

__all__ = [
    "PROVINCES",
    "REQUEST_TYPES",
    "QUERY_COUNT",
    "CACHE_SECONDS",
    "allowed_provinces",
    "figures",
    "compute",
    "cache_key",
    "province_sets",
    "refresh",
    "restrict",
]

PROVINCES: tuple[str, ...] = tuple(PROVINCE_CODES)
CACHE_SECONDS = getattr(settings, "DASHBOARD_CACHE_SECONDS", 60)
# beat's refresh interval (settings.CELERY_BEAT_SCHEDULE "dashboard-refresh") must stay below this
REFRESH_SECONDS = getattr(settings, "DASHBOARD_REFRESH_SECONDS", 45)
CACHE_VERSION = 1

# Cross-region request types for the IMI-style scoreboard: the deadline steps that count as "accepted"
# (the receiving authority acknowledged or took up the request) and as "answered" (the substantive
# answer). Kinds are the DeadlineSpec kinds the apps' workflows open; the responsible region is the
# region asked to act.
REQUEST_TYPES: list[dict[str, Any]] = [
    {
        "key": "credential_verification",
        "app": "talent",
        "accept": Q(kind="talent_acknowledge"),
        "answer": Q(kind="talent_verify"),
    },
    {
        "key": "recognition_decision",
        "app": "talent",
        "accept": Q(kind="talent_decide"),
        "answer": Q(kind="talent_decide"),
    },
    {
        "key": "ip_referral",
        "app": "ip_enforcement",
        "accept": Q(kind="ip.referral.acknowledge"),
        "answer": Q(kind="ip.referral.decide"),
    },
    {
        "key": "ip_assistance",
        "app": "ip_enforcement",
        "accept": Q(kind="ip.assistance.acknowledge"),
        "answer": Q(kind="ip.assistance.answer"),
    },
    {
        "key": "voucher_claim",
        "app": "vouchers",
        "accept": Q(kind="voucher_claim_review"),
        "answer": Q(kind="voucher_claim_review"),
    },
    {
        "key": "joint_approval",
        "app": "cooperation",
        "accept": Q(kind__startswith="coop_decision_"),
        "answer": Q(kind__startswith="coop_decision_"),
    },
]

# One query per figure below; asserted by tests/dashboard/test_queries.py.
QUERY_COUNT = 13

ZERO = Decimal("0")


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5) WITHIN GROUP (ORDER BY …): the median, in the database."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def allowed_provinces(user: User) -> tuple[str, ...]:
    """The provinces whose figures ``user`` may see: the platform administrator and region coordinators
    (who report to the coordination mechanism for the whole community) all three; an agency officer
    their own province; anyone else none."""
    if user is None or not user.is_authenticated:
        return ()
    if is_platform_admin(user) or user.has_role(Role.REGION_COORDINATOR):
        own = official_province_id(user)
        # the coordinator's own province first, so it is the default view
        return tuple(sorted(PROVINCES, key=lambda p: (p != own, p)))
    own = official_province_id(user)
    return (own,) if own in PROVINCES else ()


def cache_key(provinces: tuple[str, ...]) -> str:
    return f"dashboard:v{CACHE_VERSION}:{'-'.join(sorted(provinces))}"


def figures(provinces: tuple[str, ...]) -> dict[str, Any]:
    """The figures for ``provinces``, from the cache when computed within CACHE_SECONDS (beat keeps
    them there; a miss, e.g. after Redis restarted, computes them here)."""
    key = cache_key(provinces)
    data = cache.get(key)
    if data is None:
        data = compute(tuple(sorted(provinces)))
        cache.set(key, data, CACHE_SECONDS)
    return data


def province_sets() -> list[tuple[str, ...]]:
    """Every set of provinces the cockpit shows (see dashboard_views._scope): all three, or one."""
    return [PROVINCES, *((p,) for p in PROVINCES)]


def refresh() -> int:
    """Recompute and store every set's figures (beat, every REFRESH_SECONDS). Each stays cached for
    CACHE_SECONDS + REFRESH_SECONDS, so the next refresh replaces it before it runs out: figures are at
    most REFRESH_SECONDS (plus the compute) old. The three provinces' figures are computed once and
    each province's taken from them (``restrict``): one pass over the tables instead of two, which
    at the scale of the benchmark took seconds of the database every refresh (bench, issue 10).
    Returns how many sets were stored."""
    sets = province_sets()
    whole = compute(tuple(sorted(PROVINCES)))
    for provinces in sets:
        data = whole if set(provinces) == set(PROVINCES) else restrict(whole, tuple(sorted(provinces)))
        cache.set(cache_key(provinces), data, CACHE_SECONDS + REFRESH_SECONDS)
    return len(sets)


def restrict(data: dict[str, Any], provinces: tuple[str, ...]) -> dict[str, Any]:
    """``compute``'s figures for some of the provinces, from the figures of more of them. Exact,
    because every figure is either grouped by province (kept for the provinces asked for) or a flow
    between two regions (kept where either end is one of them, as ``compute`` selects it); a test
    holds ``restrict(compute(all), one) == compute(one)`` for each province."""
    wanted = set(provinces)
    if not wanted <= set(data["provinces"]):
        raise ValueError(f"{provinces} are not all among {data['provinces']}")

    def per_province(rows: dict[str, dict]) -> dict[str, dict]:
        return {p: rows[p] for p in provinces}

    def flows(rows: list[dict]) -> list[dict]:
        return [r for r in rows if r["from"] in wanted or r["to"] in wanted]

    return {
        "provinces": list(provinces),
        "generated_at": data["generated_at"],
        "deadlines": [r for r in data["deadlines"] if r["province"] in wanted],
        "cooperation": per_province(data["cooperation"]),
        "transfer": per_province(data["transfer"]),
        "talent": per_province(data["talent"]),
        "vouchers": {
            "regions": per_province(data["vouchers"]["regions"]),
            "flow": flows(data["vouchers"]["flow"]),
        },
        "referrals": flows(data["referrals"]),
        "scoreboard": [r for r in data["scoreboard"] if r["province"] in wanted],
    }


# --------------------------------------------------------------------------- helpers


def _money(value: Decimal | None) -> float:
    return float((value or ZERO).quantize(Decimal("0.01")))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _days(value: datetime.timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return round(value.total_seconds() / 86400, 2)
    return round(float(value), 2)


def _duration(end: str, start: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _per_province(provinces: tuple[str, ...], rows: list[dict], fields: dict[str, Any]) -> dict[str, dict]:
    """Rows keyed by province, with a zero row for a province that has none."""
    out = {p: dict(fields) for p in provinces}
    for row in rows:
        p = row.pop("prov")
        if p in out:
            out[p].update({k: (v if v is not None else fields.get(k)) for k, v in row.items()})
    return out


# --------------------------------------------------------------------------- the figures


def compute(provinces: tuple[str, ...]) -> dict[str, Any]:
    """Every figure of the cockpit for ``provinces`` in QUERY_COUNT queries."""
    now = timezone.now()
    return {
        "provinces": list(provinces),
        "generated_at": now.isoformat(),
        "deadlines": _deadlines(provinces, now),
        "cooperation": _cooperation(provinces),
        "transfer": _transfer(provinces),
        "talent": _talent(provinces),
        "vouchers": _vouchers(provinces),
        "referrals": _referrals(provinces),
        "scoreboard": _scoreboard(provinces, now),
    }


def _deadline_province():
    return Coalesce(F("responsible_region__province_id"), F("responsible_region_id"))


def _deadlines(provinces, now) -> list[dict]:
    """Open and overdue items per app and province (1 query)."""
    rows = (
        Deadline.objects.filter(status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED])
        .annotate(province=_deadline_province())
        .filter(province__in=provinces)
        .values("province", app=F("content_type__app_label"))
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(status=Deadline.Status.OPEN, due_at__lt=now)),
        )
        .order_by("app", "province")
    )
    return [dict(r) for r in rows]


def _cooperation(provinces) -> dict[str, dict]:
    """Programmes, applications, approved projects and funding per region (3 queries)."""
    from cooperation.models import Disbursement, Participant, ProgrammeRegion

    programmes = (
        ProgrammeRegion.objects.filter(region_id__in=provinces)
        .values(prov=F("region_id"))
        .annotate(programmes=Count("programme", distinct=True), committed=Sum("budget"))
        .order_by()
    )
    teams = (
        Participant.objects.filter(province_id__in=provinces)
        .exclude(application__state="draft")
        .values(prov=F("province_id"))
        .annotate(
            applications=Count("application", distinct=True),
            projects=Count("application", distinct=True, filter=Q(application__project__isnull=False)),
            approved_funding=Sum("budget", filter=Q(application__project__isnull=False)),
        )
        .order_by()
    )
    paid = (
        Disbursement.objects.filter(region_id__in=provinces)
        .values(prov=F("region_id"))
        .annotate(disbursed=Sum("amount"))
        .order_by()
    )
    out = _per_province(
        provinces,
        [*programmes, *teams, *paid],
        {
            "programmes": 0,
            "committed": ZERO,
            "applications": 0,
            "projects": 0,
            "approved_funding": ZERO,
            "disbursed": ZERO,
        },
    )
    for row in out.values():
        for k in ("committed", "approved_funding", "disbursed"):
            row[k] = _money(row[k])
    return out


def _transfer(provinces) -> dict[str, dict]:
    """Listings, matches and deals with the share of deals inside the three regions (3 queries)."""
    from transfer.models import PUBLIC_STATES, Deal, Listing, MatchPair

    # The states in WHERE, as the condition of the index transfer_listing_public_tally, and only the
    # columns it carries (COUNT(kind), not COUNT(id)): the count is read from that index alone, not
    # from a scan of every listing (tests/dashboard/test_figures.py).
    listings = (
        Listing.objects.filter(province_id__in=provinces, state__in=PUBLIC_STATES)
        .values(prov=F("province_id"))
        .annotate(
            supply=Count("kind", filter=Q(kind="supply")), demand=Count("kind", filter=Q(kind="demand"))
        )
        .order_by()
    )
    pairs = (
        MatchPair.objects.filter(matching_list__province_id__in=provinces)
        .values(prov=F("matching_list__province_id"))
        .annotate(matches=Count("pk"), matched_deals=Count("pk", filter=Q(state="deal")))
        .order_by()
    )
    deals = (
        Deal.objects.filter(seller_province_id__in=provinces)
        .values(prov=F("seller_province_id"))
        .annotate(
            deals=Count("pk"),
            deals_within=Count("pk", filter=Q(within_region=True)),
            deal_amount=Sum("contract_amount"),
            deal_amount_within=Sum("contract_amount", filter=Q(within_region=True)),
        )
        .order_by()
    )
    out = _per_province(
        provinces,
        [*listings, *pairs, *deals],
        {
            "supply": 0,
            "demand": 0,
            "matches": 0,
            "matched_deals": 0,
            "deals": 0,
            "deals_within": 0,
            "deal_amount": ZERO,
            "deal_amount_within": ZERO,
        },
    )
    for row in out.values():
        row["share_within"] = _share(row["deals_within"], row["deals"])
        row["deal_amount"] = _money(row["deal_amount"])
        row["deal_amount_within"] = _money(row["deal_amount_within"])
    return out


def _talent(provinces) -> dict[str, dict]:
    """Recognition requests per host region and the median days from filing to decision (1 query)."""
    from talent.models import RecognitionRequest

    decided_at = Subquery(
        StateChange.objects.filter(
            content_type__app_label="talent",
            content_type__model="recognitionrequest",
            object_id=Cast(OuterRef("pk"), CharField()),
            to_state__in=["recognized", "refused"],
        )
        .order_by("at")
        .values("at")[:1]
    )
    rows = (
        RecognitionRequest.objects.filter(host_region_id__in=provinces)
        .annotate(decided_at=decided_at)
        .values(prov=F("host_region_id"))
        .annotate(
            requests=Count("pk"),
            recognized=Count("pk", filter=Q(state="recognized")),
            refused=Count("pk", filter=Q(state="refused")),
            pending=Count(
                "pk",
                filter=Q(state__in=["submitted", "verification_requested", "acknowledged", "verified"]),
            ),
            median=Median(
                _duration("decided_at", "created_at"),
                filter=Q(decided_at__isnull=False),
                output_field=DurationField(),
            ),
        )
        .order_by()
    )
    out = _per_province(
        provinces, list(rows), {"requests": 0, "recognized": 0, "refused": 0, "pending": 0, "median": None}
    )
    for row in out.values():
        row["median_days_to_decision"] = _days(row.pop("median"))
    return out


def _vouchers(provinces) -> dict[str, Any]:
    """Budget, issued and redeemed per issuing region, and the flow matrix issuing → provider region
    of approved (and paid) claims (3 queries)."""
    from vouchers.models import Claim, Programme, Voucher

    budgets = (
        Programme.objects.filter(region_id__in=provinces)
        .values(prov=F("region_id"))
        .annotate(programmes=Count("pk"), budget=Sum("total_budget"), issued=Sum("issued_total"))
        .order_by()
    )
    redeemed = (
        Voucher.objects.filter(programme__region_id__in=provinces)
        .values(prov=F("programme__region_id"))
        .annotate(vouchers=Count("pk"), redeemed=Sum("redeemed"))
        .order_by()
    )
    per_region = _per_province(
        provinces,
        [*budgets, *redeemed],
        {"programmes": 0, "budget": ZERO, "issued": ZERO, "vouchers": 0, "redeemed": ZERO},
    )
    for row in per_region.values():
        row["used_share"] = _share(row["issued"], row["budget"]) if row["budget"] else None
        if row["used_share"] is not None:
            row["used_share"] = round(float(row["used_share"]), 4)
        for k in ("budget", "issued", "redeemed"):
            row[k] = _money(row[k])
    flows = (
        Claim.objects.filter(state__in=["approved", "paid"])
        .filter(Q(issuing_region_id__in=provinces) | Q(provider_region_id__in=provinces))
        .values(source=F("issuing_region_id"), target=F("provider_region_id"))
        .annotate(amount=Sum("amount"), claims=Count("pk"))
        .order_by("source", "target")
    )
    flow = [
        {"from": r["source"], "to": r["target"], "amount": _money(r["amount"]), "claims": r["claims"]}
        for r in flows
    ]
    return {"regions": per_region, "flow": flow}


def _referrals(provinces) -> list[dict]:
    """Case-clue referrals between regions, from → to, with their outcome so far (1 query)."""
    from ip_enforcement.models import Referral

    rows = (
        Referral.objects.filter(Q(from_province_id__in=provinces) | Q(to_province_id__in=provinces))
        .values(source=F("from_province_id"), target=F("to_province_id"))
        .annotate(
            referrals=Count("pk"),
            accepted=Count("pk", filter=Q(state__in=["accepted", "investigating", "concluded"])),
            concluded=Count("pk", filter=Q(state="concluded")),
        )
        .order_by("source", "target")
    )
    return [
        {
            "from": r["source"],
            "to": r["target"],
            "referrals": r["referrals"],
            "accepted": r["accepted"],
            "concluded": r["concluded"],
        }
        for r in rows
    ]


def _scoreboard(provinces, now) -> list[dict]:
    """For every cross-region request type and responsible region, in the EU IMI scoreboard's style:
    share accepted within 7 days, share accepted by the due date, average days to answer and share
    answered by the due date, from the deadline rows (1 query)."""
    met = Q(status=Deadline.Status.MET, closed_at__isnull=False)
    overdue_open = Q(status=Deadline.Status.OPEN, due_at__lt=now)
    rtype = Case(
        *[When(t["accept"] | t["answer"], then=Value(t["key"])) for t in REQUEST_TYPES],
        default=Value(""),
        output_field=CharField(),
    )
    step = Case(
        *[When(t["accept"] & t["answer"], then=Value("both")) for t in REQUEST_TYPES],
        *[When(t["accept"], then=Value("accept")) for t in REQUEST_TYPES],
        *[When(t["answer"], then=Value("answer")) for t in REQUEST_TYPES],
        default=Value(""),
        output_field=CharField(),
    )
    accept = Q(step__in=["accept", "both"])
    answer = Q(step__in=["answer", "both"])
    week_ago = now - datetime.timedelta(days=7)
    rows = (
        Deadline.objects.exclude(status=Deadline.Status.CANCELLED)
        .annotate(province=_deadline_province(), rtype=rtype, step=step)
        .filter(province__in=provinces)
        .exclude(rtype="")
        .values("rtype", "province")
        .annotate(
            requests=Count("object_id", distinct=True),
            # accepted within a week: the base is every acceptance step met, or open for a week already
            accept_base=Count("pk", filter=accept & (met | Q(started_at__lte=week_ago))),
            accepted_7d=Count(
                "pk", filter=accept & met & Q(closed_at__lte=F("started_at") + datetime.timedelta(days=7))
            ),
            accept_due_base=Count("pk", filter=accept & (met | overdue_open)),
            accepted_on_time=Count("pk", filter=accept & met & Q(closed_at__lte=F("due_at"))),
            answered=Count("pk", filter=answer & met),
            answer_avg=Avg(
                _duration("closed_at", "started_at"), filter=answer & met, output_field=DurationField()
            ),
            answer_due_base=Count("pk", filter=answer & (met | overdue_open)),
            answered_on_time=Count("pk", filter=answer & met & Q(closed_at__lte=F("due_at"))),
            overdue=Count("pk", filter=overdue_open),
        )
        .order_by("rtype", "province")
    )
    out = []
    for r in rows:
        out.append(
            {
                "type": r["rtype"],
                "province": r["province"],
                "requests": r["requests"],
                "accepted_7d": r["accepted_7d"],
                "accepted_7d_share": _share(r["accepted_7d"], r["accept_base"]),
                "accepted_on_time_share": _share(r["accepted_on_time"], r["accept_due_base"]),
                "answered": r["answered"],
                "avg_days_to_answer": _days(r["answer_avg"]),
                "answered_on_time": r["answered_on_time"],
                "answered_on_time_share": _share(r["answered_on_time"], r["answer_due_base"]),
                "overdue": r["overdue"],
            }
        )
    return out
