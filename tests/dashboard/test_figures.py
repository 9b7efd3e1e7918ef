"""The cockpit's figures against a crafted data set whose answers are known (tests/dashboard/dataset.py)."""

import pytest
from django.core.cache import cache

from portal import dashboard
from tests.dashboard import dataset

pytestmark = pytest.mark.django_db

ALL = ("110000", "120000", "130000")


@pytest.fixture
def data():
    return dataset.build()


def test_open_and_overdue_items_per_app(data):
    figures = dashboard.compute(ALL)
    assert figures["deadlines"] == [
        {"app": "cooperation", "province": "110000", "open": 1, "overdue": 0},
        {"app": "ip_enforcement", "province": "120000", "open": 1, "overdue": 1},
        {"app": "talent", "province": "110000", "open": 1, "overdue": 0},
    ]


def test_joint_research_per_region(data):
    coop = dashboard.compute(ALL)["cooperation"]
    assert coop["110000"] == {
        "programmes": 1,
        "committed": 10_000_000.0,
        "applications": 2,  # the draft does not count
        "projects": 1,
        "approved_funding": 500_000.0,
        "disbursed": 200_000.0,
    }
    assert coop["120000"] == {
        "programmes": 1,
        "committed": 10_000_000.0,
        "applications": 1,
        "projects": 0,
        "approved_funding": 0.0,
        "disbursed": 0.0,
    }
    # the Hebei partner sits in a city (130600): counted for its province
    assert coop["130000"]["applications"] == 1
    assert coop["130000"]["projects"] == 1
    assert coop["130000"]["approved_funding"] == 300_000.0


def test_transfer_share_of_deals_inside_the_three_regions(data):
    tr = dashboard.compute(ALL)["transfer"]
    assert tr["110000"] == {
        "supply": 2,
        "demand": 1,
        "matches": 2,
        "matched_deals": 1,
        "deals": 2,
        "deals_within": 1,
        "deal_amount": 800_000.0,
        "deal_amount_within": 500_000.0,
        "share_within": 0.5,
    }
    assert tr["120000"]["supply"] == 1
    assert tr["120000"]["share_within"] is None  # no deals: no share, rather than 0 %
    assert tr["130000"]["share_within"] == 1.0


def test_recognition_requests_and_median_days_to_decision(data):
    ta = dashboard.compute(ALL)["talent"]
    assert ta["120000"] == {
        "requests": 4,
        "recognized": 2,
        "refused": 1,
        "pending": 1,
        "median_days_to_decision": 6.0,  # decisions after 4, 6 and 10 days
    }
    assert ta["110000"]["requests"] == 0
    assert ta["110000"]["median_days_to_decision"] is None


def test_voucher_budget_and_flow_matrix(data):
    vo = dashboard.compute(ALL)["vouchers"]
    assert vo["regions"]["130000"] == {
        "programmes": 1,
        "budget": 100_000.0,
        "issued": 15_000.0,
        "vouchers": 2,
        "redeemed": 2_300.0,
        "used_share": 0.15,
    }
    assert vo["regions"]["110000"]["budget"] == 0.0
    # issued in Hebei, spent at providers in Beijing (approved + paid) and in Hebei; the rejected
    # claim at a Tianjin provider is no money spent
    assert vo["flow"] == [
        {"from": "130000", "to": "110000", "amount": 1800.0, "claims": 2},
        {"from": "130000", "to": "130000", "amount": 500.0, "claims": 1},
    ]


def test_referrals_between_regions(data):
    assert dashboard.compute(ALL)["referrals"] == [
        {"from": "110000", "to": "120000", "referrals": 2, "accepted": 1, "concluded": 0},
        {"from": "130000", "to": "120000", "referrals": 1, "accepted": 0, "concluded": 0},
    ]


def test_imi_scoreboard(data):
    board = {(s["type"], s["province"]): s for s in dashboard.compute(ALL)["scoreboard"]}
    assert set(board) == {
        ("credential_verification", "110000"),
        ("ip_referral", "120000"),
        ("voucher_claim", "130000"),
    }
    assert board["ip_referral", "120000"] == {
        "type": "ip_referral",
        "province": "120000",
        "requests": 3,  # the cancelled one does not count
        "accepted_7d": 1,
        "accepted_7d_share": 0.3333,  # 1 of 3 (the unacknowledged one is a week old)
        "accepted_on_time_share": 0.3333,
        "answered": 2,
        "avg_days_to_answer": 7.0,  # 10 and 4 days
        "answered_on_time": 1,
        "answered_on_time_share": 0.5,
        "overdue": 1,
    }
    claims = board["voucher_claim", "130000"]  # responsible region a Hebei city
    assert claims["accepted_7d_share"] == 1.0
    assert claims["avg_days_to_answer"] == 2.0
    assert claims["answered_on_time_share"] == 1.0
    paused = board["credential_verification", "110000"]
    assert paused["requests"] == 1
    assert paused["overdue"] == 0  # paused: the clock stands still
    assert paused["answered_on_time_share"] is None


def test_one_province_sees_only_its_rows(data):
    figures = dashboard.compute(("120000",))
    assert figures["provinces"] == ["120000"]
    assert set(figures["cooperation"]) == {"120000"}
    assert figures["deadlines"] == [{"app": "ip_enforcement", "province": "120000", "open": 1, "overdue": 1}]
    assert [(s["type"], s["province"]) for s in figures["scoreboard"]] == [("ip_referral", "120000")]
    # flows touching Tianjin: both referral rows go to Tianjin; no voucher money touches it
    assert len(figures["referrals"]) == 2
    assert figures["vouchers"]["flow"] == []


def test_figures_are_cached_briefly(data, django_assert_num_queries):
    cache.clear()
    first = dashboard.figures(ALL)
    with django_assert_num_queries(0):
        again = dashboard.figures(ALL)
    assert again == first
    # in Redis, with a short time to live
    key = cache.make_and_validate_key(dashboard.cache_key(ALL))
    assert 0 < cache._cache.get_client(key).ttl(key) <= dashboard.CACHE_SECONDS


@pytest.mark.parametrize("provinces", [("110000",), ("120000",), ("130000",), ("110000", "130000")])
def test_a_provinces_figures_taken_from_all_three_equal_its_own(data, provinces):
    """refresh() computes the three provinces once and takes each province's figures from them
    (dashboard.restrict): they must be what computing that province alone gives."""
    whole = dashboard.compute(ALL)
    taken = dashboard.restrict(whole, provinces)
    own = dashboard.compute(provinces)
    assert {**taken, "generated_at": None} == {**own, "generated_at": None}
    assert taken["referrals"] or taken["vouchers"]["flow"] or provinces == ("120000",)


def test_the_refresh_computes_once_and_stores_every_set(data, django_assert_num_queries):
    cache.clear()
    with django_assert_num_queries(dashboard.QUERY_COUNT):
        assert dashboard.refresh() == len(dashboard.province_sets())
    with django_assert_num_queries(0):
        stored = {p: dashboard.figures(p) for p in dashboard.province_sets()}
    for provinces, figures in stored.items():
        assert {**figures, "generated_at": None} == {**dashboard.compute(provinces), "generated_at": None}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_listing_count_is_read_from_the_tally_index_alone():
    """Over a million listings a scan of the table took 745 ms of every refresh, the index 95 ms
    (bench, issue 10). Committed and vacuumed, as a table of listings is, and with the table scans a
    table this small invites turned off, the query must be answered from
    transfer_listing_public_tally without the table: its WHERE implies the index's condition and it
    reads only columns the index carries (a COUNT(id) or a state in the FILTER fails this)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    dataset.build()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE transfer_listing")
    with CaptureQueriesContext(connection) as queries:
        dashboard.compute(ALL)
    [count] = [q["sql"] for q in queries.captured_queries if 'FROM "transfer_listing"' in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + count)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using transfer_listing_public_tally" in plan, plan
