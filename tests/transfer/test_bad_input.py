"""Bad input on pages and the API is a 4xx naming the field, never a 500."""

import pytest

from tests.conftest import api_as
from tests.factories import member, official
from transfer.models import ListingState

from .factories import DealFactory, ListingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", ["99999", "-5", "9" * 30, "1.5"])
def test_a_year_out_of_range_is_a_400_naming_it(year, client):
    DealFactory()
    user = official("120000")
    for path in ("deals/", "deals/statistics/"):
        resp = api_as(user).get(f"/api/v1/transfer/{path}", {"year": year})
        assert resp.status_code == 400 and "year" in resp.json()["error"]["fields"], path
    client.force_login(user)
    page = client.get("/transfer/deals/", {"year": year})
    assert page.status_code == 400 and 'data-field="year"' in page.content.decode()


def test_transition_inputs_are_checked_and_unknown_ones_ignored():
    owner = member("110000")
    draft = ListingFactory(owner=owner.organization, state=ListingState.DRAFT)
    api = api_as(owner)
    resp = api.post(f"/api/v1/transfer/listings/{draft.pk}/transition/submit/", {"actor": 1}, format="json")
    assert resp.status_code == 200 and resp.json()["state"] == "submitted"
    reviewer = api_as(official("110000"))
    resp = reviewer.post(
        f"/api/v1/transfer/listings/{draft.pk}/transition/return/", {"reason": {"a": 1}}, format="json"
    )
    assert resp.status_code == 400 and "reason" in resp.json()["error"]["fields"]


def test_bad_filters_on_the_directory_and_listings_are_400s(client):
    assert client.get("/transfer/directory/", {"province": "zz"}).status_code == 400
    resp = api_as(member("110000")).get("/api/v1/transfer/listings/", {"price_min": "abc"})
    assert resp.status_code == 400 and "price_min" in resp.json()["error"]["fields"]
