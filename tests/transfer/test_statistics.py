"""Deals within the three regions versus to outside, by field and year, and the trend of the share
within the region across years (art. 9: 提升区域内转化效率和比重), on a crafted set."""

import datetime
from decimal import Decimal

import pytest

from portal.models import Region
from tests.conftest import api_as
from tests.factories import official
from transfer.models import Deal, TechField
from transfer.selectors import deal_statistics, deal_trend

from .factories import DealFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/transfer/deals/statistics/"


def _deal(year: int, amount: str, *, within: bool, field=TechField.NEW_MATERIALS):
    region = Region.objects.get(pk="130000") if within else None
    return DealFactory(
        signed_on=datetime.date(year, 6, 1),
        contract_amount=Decimal(amount),
        buyer_region=region,
        buyer_name="河北某公司" if within else "上海某公司",
        field=field,
    )


@pytest.fixture
def crafted():
    # 2024: materials 1 within of 4 (25 %), amount 100 of 1000 (10 %)
    _deal(2024, "100", within=True)
    for _ in range(3):
        _deal(2024, "300", within=False)
    # 2025: materials 3 within of 4 (75 %); biopharma 0 of 1  →  3 of 5 = 60 %
    for _ in range(3):
        _deal(2025, "200", within=True)
    _deal(2025, "200", within=False)
    _deal(2025, "1000", within=False, field=TechField.BIOPHARMA)
    # 2026: materials 2 within of 2 (100 %)
    _deal(2026, "500", within=True)
    _deal(2026, "500", within=True)


def test_trend_of_the_share_within_the_region_year_by_year(crafted):
    trend = deal_trend(Deal.objects.all())
    assert [r["year"] for r in trend] == [2024, 2025, 2026]
    assert [(r["deals"], r["within"], r["outside"]) for r in trend] == [(4, 1, 3), (5, 3, 2), (2, 2, 0)]
    assert [r["share"] for r in trend] == [Decimal("25.0"), Decimal("60.0"), Decimal("100.0")]
    assert [r["share_change"] for r in trend] == [None, Decimal("35.0"), Decimal("40.0")]
    assert [r["amount_share"] for r in trend] == [Decimal("10.0"), Decimal("33.3"), Decimal("100.0")]
    assert trend[1]["amount_share_change"] == Decimal("23.3")


def test_statistics_by_field_and_year_carry_the_share_and_its_change(crafted):
    rows = {(r["year"], r["field"]): r for r in deal_statistics(Deal.objects.all())}
    m24, m25, m26 = (rows[(y, "new_materials")] for y in (2024, 2025, 2026))
    assert (m24["share"], m25["share"], m26["share"]) == (Decimal("25.0"), Decimal("75.0"), Decimal("100.0"))
    assert (m24["share_change"], m25["share_change"], m26["share_change"]) == (
        None,
        Decimal("50.0"),
        Decimal("25.0"),
    )
    bio = rows[(2025, "biopharma")]
    assert (bio["share"], bio["share_change"], bio["outside_amount"]) == (
        Decimal("0.0"),
        None,
        Decimal("1000"),
    )


def test_statistics_api_and_page_show_the_trend(crafted, client, django_assert_max_num_queries):
    user = official("120000")
    client_api = api_as(user)
    with django_assert_max_num_queries(6):
        body = client_api.get(URL).json()
    assert [(r["year"], r["share"], r["share_change"]) for r in body["trend"]] == [
        (2024, "25.0", None),
        (2025, "60.0", "35.0"),
        (2026, "100.0", "40.0"),
    ]
    assert {(r["year"], r["field"]) for r in body["results"]} >= {
        (2025, "biopharma"),
        (2024, "new_materials"),
    }
    # the filters narrow both tables
    only = client_api.get(URL, {"field": "biopharma"}).json()
    assert [(r["year"], r["deals"], r["share"]) for r in only["trend"]] == [(2025, 1, "0.0")]
    client.force_login(user)
    page = client.get("/transfer/deals/").content.decode()
    assert 'id="deal-trend"' in page and 'data-year="2025"' in page
    assert "▲ +35.0" in page and "60.0%" in page


def test_statistics_query_count_does_not_grow_with_years(client, django_assert_max_num_queries):
    user = official("110000")
    client.force_login(user)
    for years in (range(2020, 2021), range(2010, 2026)):
        for y in years:
            _deal(y, "10", within=bool(y % 2))
        with django_assert_max_num_queries(6):
            assert api_as(user).get(URL).status_code == 200
        with django_assert_max_num_queries(15):
            assert client.get("/transfer/deals/").status_code == 200
