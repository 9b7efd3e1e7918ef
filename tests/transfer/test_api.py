"""The REST API: anonymous reading without contact data, partner systems publishing, matches, deals
and their statistics, the directory, refusals, and a fixed number of queries per list."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from portal.models import Event, OrganizationKind, Region, Role
from tests.conftest import api_as
from tests.factories import member, official
from transfer.models import Deal, Listing, ListingKind, ListingState, TechField

from .factories import BaseFactory, DealFactory, ListingFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/transfer/"


def _payload(**kw):
    data = {
        "kind": "demand",
        "title": "寻求工业机器人视觉定位方案",
        "summary": "机器人视觉定位",
        "description": "需要一套用于焊接机器人的三维视觉定位系统，定位精度优于0.1毫米。",
        "field": "manufacturing",
        "trl": 6,
        "transfer_mode": "joint_development",
        "price": "300000.00",
        "contact_name": "王工",
        "contact_phone": "13700002222",
        "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
    }
    data.update(kw)
    return data


def test_anonymous_users_browse_published_listings_without_contact_data(api):
    pub = ListingFactory(description="激光熔覆修复技术")
    ListingFactory(state=ListingState.DRAFT)
    resp = api.get(URL + "listings/")
    assert resp.status_code == 200
    rows = resp.json()["results"]
    assert [r["id"] for r in rows] == [pub.pk]
    assert rows[0]["contact"] is None
    detail = api.get(f"{URL}listings/{pub.pk}/").json()
    assert detail["contact"] is None and "13800138000" not in str(detail)
    found = api.get(URL + "listings/search/", {"q": "熔覆"}).json()["results"]
    assert [r["id"] for r in found] == [pub.pk] and found[0]["contact"] is None
    signed_in = api_as(member("110000")).get(f"{URL}listings/{pub.pk}/").json()
    assert signed_in["contact"]["phone"] == "13800138000"


def test_anonymous_page_shows_no_contact_data(client):
    pub = ListingFactory(description="激光熔覆修复技术")
    body = client.get(pub.get_absolute_url()).content.decode()
    assert "13800138000" not in body and "张工" not in body
    assert "激光熔覆修复技术" in body
    client.force_login(member("120000"))
    assert "13800138000" in client.get(pub.get_absolute_url()).content.decode()


def test_anonymous_users_cannot_write(api):
    assert api.post(URL + "listings/", _payload(), format="json").status_code in (401, 403)


def test_a_partner_system_publishes_a_listing_for_review():
    partner = member("130000", kind=OrganizationKind.ENTERPRISE, role=Role.PARTNER_SYSTEM)
    reviewer = official("130000")
    client = api_as(partner)
    resp = client.post(URL + "listings/", _payload(submit=True), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["state"] == "submitted" and body["owner"] == partner.organization_id
    again = client.post(URL + "listings/", _payload(submit=True), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.json()["id"] == body["id"]
    published = api_as(reviewer).post(f"{URL}listings/{body['id']}/transition/publish/", {}, format="json")
    assert published.status_code == 200 and published.json()["state"] == "published"
    conflict = api_as(reviewer).post(f"{URL}listings/{body['id']}/transition/publish/", {}, format="json")
    assert conflict.status_code == 409


def test_bad_input_is_a_400_naming_the_field():
    client = api_as(member("110000"))
    resp = client.post(URL + "listings/", _payload(trl=12), format="json")
    assert resp.status_code == 400 and "trl" in resp.json()["error"]["fields"]
    resp = client.post(
        URL + "listings/", _payload(kind="supply", result_type="patent", ip_refs=["ZL1"]), format="json"
    )
    assert resp.status_code == 400 and "ip_refs" in resp.json()["error"]["fields"]
    resp = client.post(URL + "listings/", _payload(price=None), format="json")
    assert resp.status_code == 400 and "price" in resp.json()["error"]["fields"]
    assert client.get(URL + "listings/search/").status_code == 400


def test_others_drafts_are_404_and_reviews_by_other_regions_403():
    owner = member("120000")
    draft = ListingFactory(owner=owner.organization, state=ListingState.DRAFT)
    assert api_as(member("120000")).get(f"{URL}listings/{draft.pk}/").status_code == 404
    assert api_as(owner).get(f"{URL}listings/{draft.pk}/").status_code == 200
    submitted = ListingFactory(owner=owner.organization, state=ListingState.SUBMITTED)
    # an official of another region sees published listings only: the submitted one is 404
    assert (
        api_as(official("110000")).post(f"{URL}listings/{submitted.pk}/transition/publish/").status_code
        == 404
    )
    # an enterprise member that is not the owner may see a published listing but not withdraw it
    pub = ListingFactory(owner=owner.organization)
    assert api_as(member("120000")).post(f"{URL}listings/{pub.pk}/transition/withdraw/").status_code == 403


def test_search_combines_with_filters_over_the_api(api):
    a = ListingFactory(description="城市污水处理膜生物反应器", field=TechField.ENERGY_ENVIRONMENT, trl=7)
    ListingFactory(description="污水处理药剂", field=TechField.NEW_MATERIALS, trl=3)
    rows = api.get(
        URL + "listings/search/", {"q": "污水处理", "field": "energy_environment", "trl_min": 5}
    ).json()
    assert [r["id"] for r in rows["results"]] == [a.pk]
    rows = api.get(URL + "listings/", {"q": "污水处理", "trl_max": 5}).json()
    assert len(rows["results"]) == 1


def test_matches_endpoint_gives_reasons(api):
    demand = ListingFactory(
        kind=ListingKind.DEMAND, title="需要锂电池隔膜涂覆技术", description="锂电池隔膜陶瓷涂覆"
    )
    supply = ListingFactory(title="锂电池隔膜陶瓷涂覆工艺", description="锂电池隔膜的陶瓷涂覆工艺。")
    rows = api.get(f"{URL}listings/{demand.pk}/matches/").json()["results"]
    assert rows[0]["id"] == supply.pk and "共同关键词" in rows[0]["reasons"]


def test_a_deal_is_registered_the_regions_told_and_counted():
    seller_user = member("120000")
    listing = ListingFactory(owner=seller_user.organization, state=ListingState.NEGOTIATING)
    tianjin = official("120000")
    hebei = official("130000")
    client = api_as(seller_user)
    data = {
        "listing": listing.pk,
        "contract_amount": "1200000.00",
        "registration_number": "2026120104000777",
        "buyer_name": "保定某装备公司",
        "buyer_region": "130600",
        "signed_on": timezone.localdate().isoformat(),
    }
    resp = client.post(URL + "deals/", data, format="json")
    assert resp.status_code == 201, resp.json()
    assert resp.json()["within_region"] is True
    event = Event.objects.get(type="transfer.deal.registered")
    assert {tianjin.pk, hebei.pk} <= set(event.recipient_ids)
    listing.refresh_from_db()
    assert listing.state == ListingState.CONCLUDED
    dup = client.post(URL + "deals/", data, format="json")
    assert dup.status_code == 400 and "registration_number" in dup.json()["error"]["fields"]
    bad = client.post(
        URL + "deals/",
        {**data, "registration_number": "2026120104000778", "contract_amount": "0"},
        format="json",
    )
    assert bad.status_code == 400 and "contract_amount" in bad.json()["error"]["fields"]
    outsider = api_as(member("110000")).post(
        URL + "deals/", {**data, "registration_number": "2026120104000779"}, format="json"
    )
    assert outsider.status_code == 403
    assert Deal.objects.count() == 1


def test_deal_statistics_within_versus_outside():
    DealFactory(buyer_region=Region.objects.get(pk="110000"), contract_amount="100.00")
    DealFactory(buyer_region=Region.objects.get(pk="130200"), contract_amount="200.00")
    DealFactory(buyer_region=None, buyer_name="上海某公司", contract_amount="300.00")
    DealFactory(field=TechField.BIOPHARMA, buyer_region=None, buyer_name="广州某公司")
    rows = api_as(official("110000")).get(URL + "deals/statistics/").json()["results"]
    materials = next(r for r in rows if r["field"] == "new_materials")
    assert (materials["deals"], materials["within"], materials["outside"]) == (3, 2, 1)
    assert materials["within_amount"] == "300.00" and materials["outside_amount"] == "300.00"
    # deals are not public
    from rest_framework.test import APIClient

    assert APIClient().get(URL + "deals/").status_code in (401, 403)


def test_directory_lists_bases_with_their_listings_and_deals(api, client):
    base = BaseFactory(name="天津滨海－中关村科技园")
    ListingFactory(base=base)
    DealFactory(base=base)
    rows = api.get(URL + "bases/").json()["results"]
    assert (
        rows[0]["name"] == "天津滨海－中关村科技园"
        and rows[0]["listing_count"] == 1
        and rows[0]["deal_count"] == 1
    )
    assert client.get(base.get_absolute_url()).status_code == 200


def test_valuation_request_answered_by_the_institution():
    owner = member("110000")
    listing = ListingFactory(owner=owner.organization)
    institution_user = member("110000", kind=OrganizationKind.PROVIDER, role=Role.PROVIDER_MEMBER)
    resp = api_as(owner).post(
        URL + "valuations/",
        {"listing": listing.pk, "institution": institution_user.organization_id},
        format="json",
    )
    assert resp.status_code == 201
    vid = resp.json()["id"]
    inst = api_as(institution_user)
    assert api_as(owner).post(f"{URL}valuations/{vid}/transition/accept/").status_code == 403
    assert inst.post(f"{URL}valuations/{vid}/transition/accept/").status_code == 200
    missing = inst.post(f"{URL}valuations/{vid}/transition/complete/", {}, format="json")
    assert missing.status_code == 400 and "result_value" in missing.json()["error"]["fields"]
    done = inst.post(
        f"{URL}valuations/{vid}/transition/complete/", {"result_value": "2500000"}, format="json"
    )
    assert done.status_code == 200 and done.json()["result_value"] == "2500000.00"


@pytest.mark.parametrize("n", [3, 30])
def test_list_endpoints_run_a_fixed_number_of_queries(n, django_assert_max_num_queries):
    coordinator = official("120000", coordinator=True)
    from transfer import services

    mlist = services.matching_list_create(actor=coordinator, period="2026-Q1")
    for _ in range(n):
        base = BaseFactory()
        d = ListingFactory(kind=ListingKind.DEMAND, base=base)
        s = ListingFactory(base=base)
        DealFactory(base=base)
        services.pair_propose(actor=coordinator, matching_list=mlist, demand=d, supply=s)
    client = api_as(coordinator)
    for path, bound in [
        ("listings/", 6),
        ("listings/search/?q=测试", 6),
        ("deals/", 6),
        ("bases/", 6),
        ("pairs/", 6),
        ("matching-lists/", 6),
        ("deals/statistics/", 6),
    ]:
        with django_assert_max_num_queries(bound):
            resp = client.get(URL + path)
        assert resp.status_code == 200, path


def test_the_owner_edits_a_returned_draft_over_the_api():
    owner = member("110000")
    draft = ListingFactory(owner=owner.organization, state=ListingState.DRAFT, title="旧标题")
    resp = api_as(owner).patch(
        f"{URL}listings/{draft.pk}/", {"title": "新型钠离子电池正极材料"}, format="json"
    )
    assert resp.status_code == 200, resp.json()
    assert resp.json()["title"] == "新型钠离子电池正极材料"
    assert (
        api_as(member("110000"))
        .patch(f"{URL}listings/{draft.pk}/", {"title": "x"}, format="json")
        .status_code
        == 404
    )
    published = ListingFactory(owner=owner.organization)
    assert (
        api_as(owner).patch(f"{URL}listings/{published.pk}/", {"title": "y"}, format="json").status_code
        == 409
    )
    draft.refresh_from_db()
    from transfer.selectors import listing_search

    assert list(listing_search(Listing.objects.all(), "钠离子")) == [draft]


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_listing_list_and_search_show_each_listing_as_its_detail_does(signed_in):
    """The list and the search read the owner's and region's names as columns of their query, not
    joined rows (ListingRowSerializer): nothing they show may differ from the detail, with or
    without the contact, a base, a price."""
    base = BaseFactory()
    ListingFactory(title="高效钙钛矿太阳能电池组件", base=base, price="1200000.00")
    ListingFactory(title="钠离子电池正极材料", kind=ListingKind.DEMAND, price=None, negotiable=True, trl=None)
    client = api_as(member("130000")) if signed_in else APIClient()
    rows = client.get(f"{URL}listings/").json()["results"]
    found = client.get(f"{URL}listings/search/?q=电池").json()["results"]
    assert len(rows) == 2 and {r["id"] for r in found} == {r["id"] for r in rows}
    for row in [*rows, *found]:
        detail = client.get(f"{URL}listings/{row['id']}/").json()
        shown = {k: v for k, v in row.items() if k != "rank"}
        assert shown == {k: detail[k] for k in shown}
        assert row["owner_name"] and row["region_name"]
        assert (row["contact"] is not None) is signed_in
