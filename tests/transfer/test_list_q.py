"""``q`` on the API list is a filter that keeps the cursor order (newest first, every row once);
``listings/search/`` is the ranked endpoint."""

import pytest
from rest_framework.test import APIClient

from .factories import ListingFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/transfer/listings/"


def test_q_on_the_list_filters_and_keeps_the_cursor_order():
    in_title = ListingFactory(title="钙钛矿太阳能电池", description="叠层器件")
    ListingFactory(title="中药提取", description="配方颗粒")
    in_text = [ListingFactory(description=f"第{i}代钙钛矿薄膜沉积工艺") for i in range(3)]
    api = APIClient()
    body = api.get(URL, {"q": "钙钛矿", "page_size": 2}).json()
    seen = [r["id"] for r in body["results"]]
    while body["next"]:
        body = api.get(body["next"]).json()
        seen += [r["id"] for r in body["results"]]
        assert all(r.get("rank") is None for r in body["results"])  # not ranked
    expected = sorted([in_title.pk, *(x.pk for x in in_text)], reverse=True)
    assert seen == expected
    # the ranked endpoint puts the title match first
    ranked = api.get(URL + "search/", {"q": "钙钛矿"}).json()["results"]
    assert ranked[0]["id"] == in_title.pk and ranked[0]["rank"] > ranked[-1]["rank"]
    assert {r["id"] for r in ranked} == set(expected)
