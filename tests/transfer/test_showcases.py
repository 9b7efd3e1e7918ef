"""Showcases of results (成果展示推介, art. 9): officials of a region feature published supply listings
in a named, dated collection shown publicly; anonymous visitors see no contact data."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from portal.models import Event
from tests.conftest import api_as
from tests.factories import member, official
from transfer import services
from transfer.models import ListingKind, ListingState, Showcase, ShowcaseItem

from .factories import ListingFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/transfer/showcases/"


def _showcase(user, **kw):
    today = timezone.localdate()
    data = {
        "title": "2026京津冀科技成果展示推介会",
        "starts_on": today,
        "ends_on": today + datetime.timedelta(days=3),
        "venue": "天津梅江会展中心",
    }
    data.update(kw)
    return services.showcase_create(actor=user, **data)


def test_officials_feature_published_supply_and_anonymous_visitors_see_no_contact(client):
    tianjin = official("120000")
    owner = member("110000")
    supply = ListingFactory(
        owner=owner.organization, title="高熵合金粉末制备技术", contact_phone="13911112222"
    )
    showcase = _showcase(tianjin)
    services.showcase_feature(actor=tianjin, showcase=showcase, listing=supply.pk, note="适合航空零部件修复")
    event = Event.objects.get(type="transfer.showcase.featured")
    assert set(event.recipient_ids) == {owner.pk}

    listing_page = client.get("/transfer/showcases/").content.decode()
    assert showcase.title in listing_page
    body = client.get(showcase.get_absolute_url()).content.decode()
    assert supply.title in body and "适合航空零部件修复" in body
    assert "13911112222" not in body and "张工" not in body
    anon = APIClient().get(f"{URL}{showcase.pk}/").json()
    assert [i["listing"]["id"] for i in anon["items"]] == [supply.pk]
    assert anon["items"][0]["listing"]["contact"] is None and "13911112222" not in str(anon)
    assert APIClient().get(URL).json()["results"][0]["item_count"] == 1

    client.force_login(member("130000"))
    assert "13911112222" in client.get(showcase.get_absolute_url()).content.decode()
    signed_in = api_as(member("130000")).get(f"{URL}{showcase.pk}/").json()
    assert signed_in["items"][0]["listing"]["contact"]["phone"] == "13911112222"


def test_only_published_supply_is_featured_by_officials_of_the_region():
    tianjin = official("120000")
    showcase = _showcase(tianjin)
    api = api_as(tianjin)
    demand = ListingFactory(kind=ListingKind.DEMAND)
    draft = ListingFactory(state=ListingState.DRAFT)
    for listing in (demand, draft):
        resp = api.post(f"{URL}{showcase.pk}/feature/", {"listing": listing.pk}, format="json")
        assert resp.status_code == 400 and "listing" in resp.json()["error"]["fields"]
    supply = ListingFactory()
    assert api.post(f"{URL}{showcase.pk}/feature/", {"listing": supply.pk}, format="json").status_code == 201
    again = api.post(f"{URL}{showcase.pk}/feature/", {"listing": supply.pk}, format="json")
    assert again.status_code == 400 and "listing" in again.json()["error"]["fields"]
    bad = api.post(f"{URL}{showcase.pk}/feature/", {"listing": "abc"}, format="json")
    assert bad.status_code == 400 and "listing" in bad.json()["error"]["fields"]
    # officials of another region, and members, may not change it
    other = ListingFactory()
    assert (
        api_as(official("110000")).post(f"{URL}{showcase.pk}/feature/", {"listing": other.pk}).status_code
        == 403
    )
    assert (
        api_as(member("120000")).post(f"{URL}{showcase.pk}/feature/", {"listing": other.pk}).status_code
        == 403
    )
    assert APIClient().post(f"{URL}{showcase.pk}/feature/", {"listing": other.pk}).status_code in (401, 403)
    assert (
        api_as(member("120000"))
        .post(URL, {"title": "x", "starts_on": "2026-01-01", "ends_on": "2026-01-02"})
        .status_code
        == 403
    )
    # a withdrawn listing leaves the public showcase
    services.listing_withdraw(supply, actor=member_of(supply))
    assert APIClient().get(f"{URL}{showcase.pk}/").json()["items"] == []
    removed = api.post(f"{URL}{showcase.pk}/unfeature/", {"listing": supply.pk}, format="json")
    assert removed.status_code == 200 and not ShowcaseItem.objects.exists()


def member_of(listing):
    return member(organization=listing.owner)


def test_showcase_created_over_the_api_with_dates_checked():
    api = api_as(official("130000"))
    bad = api.post(
        URL, {"title": "推介会", "starts_on": "2026-05-02", "ends_on": "2026-05-01"}, format="json"
    )
    assert bad.status_code == 400 and "ends_on" in bad.json()["error"]["fields"]
    missing = api.post(URL, {"starts_on": "2026-05-01", "ends_on": "2026-05-01"}, format="json")
    assert missing.status_code == 400 and "title" in missing.json()["error"]["fields"]
    ok = api.post(
        URL,
        {"title": "雄安新区成果推介", "starts_on": "2026-05-01", "ends_on": "2026-05-01"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="sc-1",
    )
    assert ok.status_code == 201 and ok.json()["province"] == "130000" and ok.json()["items"] == []
    dup = api.post(
        URL, {"title": "雄安新区成果推介", "starts_on": "2026-05-01", "ends_on": "2026-05-03"}, format="json"
    )
    assert dup.status_code == 400 and "title" in dup.json()["error"]["fields"]


def test_the_database_holds_the_showcase_invariants():
    tianjin = official("120000")
    showcase = _showcase(tianjin)
    supply = ListingFactory()
    ShowcaseItem.objects.create(showcase=showcase, listing=supply)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShowcaseItem.objects.create(showcase=showcase, listing=supply)
    with pytest.raises(IntegrityError), transaction.atomic():
        Showcase.objects.filter(pk=showcase.pk).update(
            ends_on=showcase.starts_on - datetime.timedelta(days=1)
        )


def test_showcase_pages_for_officials(client):
    tianjin = official("120000")
    client.force_login(tianjin)
    page = client.get("/transfer/showcases/")
    assert page.status_code == 200 and 'name="starts_on"' in page.content.decode()
    bad = client.post(
        "/transfer/showcases/", {"title": "推介会", "starts_on": "2026-05-02", "ends_on": "2026-05-01"}
    )
    assert bad.status_code == 400 and 'data-field="ends_on"' in bad.content.decode()
    resp = client.post(
        "/transfer/showcases/", {"title": "推介会", "starts_on": "2026-05-01", "ends_on": "2026-05-02"}
    )
    showcase = Showcase.objects.get()
    assert resp.status_code == 302 and resp["Location"] == showcase.get_absolute_url()
    demand = ListingFactory(kind=ListingKind.DEMAND)
    bad = client.post(showcase.get_absolute_url(), {"listing": demand.pk})
    assert bad.status_code == 400 and 'data-field="listing"' in bad.content.decode()
    supply = ListingFactory(title="秸秆生物炭基肥")
    assert client.post(showcase.get_absolute_url(), {"listing": supply.pk}).status_code == 302
    assert "秸秆生物炭基肥" in client.get(showcase.get_absolute_url()).content.decode()
    client.post(f"/transfer/showcases/{showcase.pk}/unfeature/", {"listing": supply.pk})
    assert not ShowcaseItem.objects.exists()
    # members cannot create or feature
    client.force_login(member("120000"))
    assert client.post("/transfer/showcases/", {"title": "x"}).status_code == 404
    assert client.post(showcase.get_absolute_url(), {"listing": supply.pk}).status_code == 404


@pytest.mark.parametrize("n", [2, 20])
def test_showcase_lists_run_a_fixed_number_of_queries(n, client, django_assert_max_num_queries):
    tianjin = official("120000")
    for i in range(3):
        showcase = _showcase(tianjin, title=f"推介会{i}")
    for _ in range(n):
        services.showcase_feature(actor=tianjin, showcase=showcase, listing=ListingFactory())
    anon = APIClient()
    with django_assert_max_num_queries(4):
        assert anon.get(URL).status_code == 200
    with django_assert_max_num_queries(5):
        assert len(anon.get(f"{URL}{showcase.pk}/").json()["items"]) == n
    with django_assert_max_num_queries(6):
        assert client.get("/transfer/showcases/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(showcase.get_absolute_url()).status_code == 200
