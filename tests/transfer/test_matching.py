"""Matching: a demand's top matches on a small crafted set, the reasons shown, the matching list
with its pairs, notifications, Excel export, and scoping."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.exceptions import PermissionDenied, ValidationError
from portal.models import Event
from portal.search import tsquery_for
from tests.factories import member, official
from transfer import services
from transfer.models import ListingKind, MatchPair, PairState, TechField
from transfer.selectors import match_list, match_score

from .factories import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crafted():
    demand = ListingFactory(
        kind=ListingKind.DEMAND,
        title="寻求动力电池热管理技术",
        summary="新能源汽车动力电池包热管理",
        description="我公司需要动力电池热管理方案，要求液冷板设计与电池包温度均匀性控制，适配新能源汽车。",
        field=TechField.NEV_ICV,
        trl=6,
    )
    best = ListingFactory(
        title="动力电池液冷板热管理系统",
        summary="电池包液冷板与热管理控制策略",
        description="本成果提供动力电池液冷板设计、电池包温度均匀性控制与热管理策略，已在新能源汽车上验证。",
        field=TechField.NEV_ICV,
        trl=7,
    )
    related = ListingFactory(
        title="储能电池温度监测",
        summary="储能电站电池温度监测",
        description="面向储能电站的电池温度监测与热失控预警。",
        field=TechField.ENERGY_ENVIRONMENT,
        trl=5,
    )
    unrelated = ListingFactory(
        title="组分中药质量控制方法",
        summary="中药指纹图谱",
        description="基于指纹图谱的组分中药质量控制方法。",
        field=TechField.COMPONENT_TCM,
        trl=8,
    )
    other_demand = ListingFactory(kind=ListingKind.DEMAND, title="动力电池回收需求", field=TechField.NEV_ICV)
    return demand, best, related, unrelated, other_demand


def test_a_demands_top_matches_are_the_relevant_supply_listings(crafted):
    demand, best, related, unrelated, other_demand = crafted
    matches = match_list(user=official("110000"), listing=demand)
    assert matches[:2] == [best, related]
    assert other_demand not in matches
    if unrelated in matches:  # shares a generic word at most: ranked last
        assert matches[-1] == unrelated
    assert matches[0].score > matches[1].score
    assert "同领域" in matches[0].reasons and "共同关键词" in matches[0].reasons
    assert matches[0].shared_terms >= 4


def test_each_match_carries_its_pairs_score_in_descending_order_up_to_the_limit(crafted):
    demand, *_ = crafted
    ListingFactory.create_batch(3, title="动力电池热管理", field=demand.field)  # equal scores: newest first
    matches = match_list(user=official("110000"), listing=demand)
    assert len(matches) >= 5
    for m in matches:
        assert match_score(demand, m) == (round(m.score, 3), m.reasons)
    order = [(-m.score, -m.pk) for m in matches]
    assert order == sorted(order)
    assert match_list(user=official("110000"), listing=demand, limit=2) == matches[:2]


def test_the_scores_read_each_candidates_words_once_not_once_per_key_term(crafted):
    """Thirteen tests (twelve key terms and the rank) of a candidate's out-of-line words: each reference
    to the column reads it from TOAST again, so they test one copy read in a subquery (bench, issue 10)."""
    demand, *_ = crafted
    assert len(demand.key_terms) >= 5
    with CaptureQueriesContext(connection) as queries:
        match_list(user=official("110000"), listing=demand)
    [scores] = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
    # the candidates' filter and the one read of the words; the tests name the copy
    assert scores.count('"search_vector"') == 2
    assert scores.count("s.words @@") == len([t for t in demand.key_terms[:12] if tsquery_for(t)])
    assert "OFFSET 0" in scores  # else PostgreSQL folds the subquery in and reads the words per test


def test_the_reverse_a_supplys_matches_are_demands(crafted):
    demand, best, *_ = crafted
    matches = match_list(user=official("110000"), listing=best)
    assert matches[0] == demand
    assert all(m.kind == ListingKind.DEMAND for m in matches)


def test_matching_list_pairs_are_tracked_and_both_sides_told(crafted):
    demand, best, *_ = crafted
    coordinator = official("120000", coordinator=True)
    demand_user = member("110000", organization=demand.owner)
    supply_user = member("110000", organization=best.owner)
    mlist = services.matching_list_create(actor=coordinator, period="2026-Q4")
    assert mlist.province_id == "120000" and "2026-Q4" in mlist.title
    pair = services.pair_propose(actor=coordinator, matching_list=mlist, demand=demand, supply=best)
    assert pair.score > 0 and "同领域" in pair.reasons
    event = Event.objects.get(type="transfer.pair.proposed")
    assert {demand_user.pk, supply_user.pk} <= set(event.recipient_ids)
    with pytest.raises(ValidationError):
        services.pair_propose(actor=coordinator, matching_list=mlist, demand=demand, supply=best)
    with pytest.raises(ValidationError) as exc:
        services.pair_propose(actor=coordinator, matching_list=mlist, demand=best, supply=demand)
    assert "demand" in exc.value.message_dict
    services.pair_negotiate(pair, actor=coordinator)
    services.pair_deal(pair, actor=coordinator)
    pair.refresh_from_db()
    assert pair.state == PairState.DEAL
    with pytest.raises(PermissionDenied):
        services.pair_decline(
            services.pair_propose(actor=coordinator, matching_list=mlist, demand=demand, supply=crafted[2]),
            actor=official("110000"),
            reason="x",
        )


def test_one_list_per_region_and_period():
    coordinator = official("110000", coordinator=True)
    services.matching_list_create(actor=coordinator, period="2026-Q4")
    with pytest.raises(ValidationError) as exc:
        services.matching_list_create(actor=coordinator, period="2026-Q4")
    assert "period" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.matching_list_create(actor=coordinator, period="next year")
    with pytest.raises(PermissionDenied):
        services.matching_list_create(actor=member("110000"), period="2026-Q3")


def test_matching_list_page_exports_excel_for_the_joint_meeting(client, crafted):
    demand, best, *_ = crafted
    coordinator = official("130000", coordinator=True)
    mlist = services.matching_list_create(actor=coordinator, period="2026-11")
    services.pair_propose(actor=coordinator, matching_list=mlist, demand=demand, supply=best)
    client.force_login(coordinator)
    page = client.get(mlist.get_absolute_url())
    assert page.status_code == 200 and best.title in page.content.decode()
    resp = client.get(mlist.get_absolute_url() + "?export=xlsx")
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and best.title in rows[1][3]
    # officials of another region do not see the list
    client.force_login(official("110000"))
    assert client.get(mlist.get_absolute_url()).status_code == 404


def test_pair_transition_page(client, crafted):
    demand, best, *_ = crafted
    coordinator = official("110000", coordinator=True)
    mlist = services.matching_list_create(actor=coordinator, period="2026")
    pair = services.pair_propose(actor=coordinator, matching_list=mlist, demand=demand, supply=best)
    client.force_login(coordinator)
    resp = client.post(
        f"/transfer/pairs/{pair.pk}/transition/", {"transition": "decline", "reason": "价格不合适"}
    )
    assert resp.status_code == 302
    pair.refresh_from_db()
    assert pair.state == PairState.DECLINED
    assert MatchPair.objects.count() == 1


def test_the_newest_candidates_are_scored_when_more_than_the_cap_share_a_term(crafted, monkeypatch):
    """Only SEARCH_CAP candidates are scored: the newest, the same ones on every request (the first a
    sequential scan found depended on where PostgreSQL's synchronized scans started)."""
    import transfer.selectors as sel

    demand, *_ = crafted
    monkeypatch.setattr(sel, "SEARCH_CAP", 3)
    newest = [
        ListingFactory(title=f"动力电池方案{i}", description="动力电池", field=TechField.NEV_ICV)
        for i in range(3)
    ]
    matches = match_list(user=official("110000"), listing=demand)
    assert {m.pk for m in matches} == {x.pk for x in newest}
