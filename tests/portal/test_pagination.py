"""Pages count at most PAGE_LIST_CAP rows of a list, and say so when more match."""

import pytest
from django.db import connection
from django.db.models import Count, F, Value
from django.test.utils import CaptureQueriesContext

from cooperation.models import Application
from portal import views
from portal.views import CappedPaginator
from tests.cooperation.factories import ApplicationFactory, ParticipantFactory
from tests.transfer.factories import ListingFactory
from transfer.models import Listing

pytestmark = pytest.mark.django_db


def test_counting_stops_at_the_cap_and_the_pages_cover_exactly_the_first_rows():
    ListingFactory.create_batch(7)
    qs = Listing.objects.order_by("-id")
    paginator = CappedPaginator(qs, 2, cap=5)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.capped is True  # known before the count is asked
        assert paginator.count == 5
    assert len(queries) == 1
    assert "LIMIT 6" in queries.captured_queries[0]["sql"]  # the database stops counting there
    assert paginator.num_pages == 3
    last = paginator.page(3)
    assert [x.pk for x in last.object_list] == [x.pk for x in qs[4:5]]
    assert not last.has_next()


def test_the_count_reads_neither_the_order_nor_the_shown_values_and_finds_the_same_rows():
    shown = Listing.objects.annotate(shown=Value("名称")).order_by("-created_at", "-id")
    ListingFactory.create_batch(4)
    paginator = CappedPaginator(shown, 2, cap=3)
    with CaptureQueriesContext(connection) as queries:
        assert (paginator.count, paginator.capped) == (3, True)
    sql = queries.captured_queries[0]["sql"]
    assert "ORDER BY" not in sql and "名称" not in sql and "LIMIT 4" in sql
    # a value read through a relation with many rows per record keeps its join: the rows are the same
    one = ApplicationFactory()
    ApplicationFactory()
    for budget in (100, 200, 300):
        ParticipantFactory(application=one, budget=budget)
    per_participant = Application.objects.annotate(budget=F("participants__budget")).order_by("-id")
    assert len(per_participant) == 4  # a row per participant of `one`, one for the other
    assert CappedPaginator(per_participant, 2, cap=10).count == 4
    assert CappedPaginator(per_participant, 2, cap=3).count == 3
    # counted as selected where the rows depend on the columns: DISTINCT, GROUP BY, a slice
    distinct = per_participant.values("id", "budget").distinct()
    assert CappedPaginator(distinct, 2, cap=10).count == len(distinct) == 4  # by pk alone: 2
    grouped = Application.objects.annotate(b=F("participants__budget"), n=Count("participants")).order_by(
        "id"
    )
    assert CappedPaginator(grouped, 2, cap=10).count == len(grouped) == 4  # grouped by pk alone: 2
    by_budget = Application.objects.values("participants__budget").annotate(n=Count("id")).order_by("n")
    assert CappedPaginator(by_budget, 2, cap=10).count == len(by_budget) == 4  # three budgets and none
    assert CappedPaginator(per_participant[:3], 2, cap=10).count == 3


def test_a_list_within_the_cap_is_counted_exactly_and_not_marked():
    ListingFactory.create_batch(3)
    paginator = CappedPaginator(Listing.objects.all(), 2, cap=5)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (3, False, 2)
    assert CappedPaginator([1, 2, 3, 4], 2, cap=3).count == 3


def test_a_capped_page_says_the_list_goes_on_and_asks_for_narrower_filters(client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_LIST_CAP", 25)
    ListingFactory.create_batch(26)
    body = client.get("/transfer/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "第 1 页，共 2 页以上" in body
    assert 'id="list-capped"' in body and "超过 25 条" in body
    assert "请缩小筛选范围" in body  # the page has filters: it says to narrow them
    assert client.get("/transfer/", {"page": 3}).context["page"].number == 2  # past the cap: the last page
    monkeypatch.setattr(views, "PAGE_LIST_CAP", 26)
    body = client.get("/transfer/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "第 1 页，共 2 页</span>" in body and 'id="list-capped"' not in body


def test_a_capped_list_without_filters_says_only_that_the_list_goes_on(rf):
    from django.template.loader import render_to_string
    from django.utils.translation import override

    page = CappedPaginator(list(range(5)), 2, cap=3).get_page(1)
    with override("zh-hans"):
        plain = render_to_string("includes/pagination.html", {"page": page, "request": rf.get("/")})
        filtered = render_to_string(
            "includes/pagination.html", {"page": page, "request": rf.get("/"), "filter": object()}
        )
    assert "超过 3 条" in plain and "请缩小筛选范围" not in plain
    assert "请缩小筛选范围" in filtered
