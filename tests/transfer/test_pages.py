"""Pages: public search with filters, listing form, deals with statistics and export, the directory,
valuations, and a fixed number of queries per list page."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from portal.models import OrganizationKind, Role
from tests.factories import member, official
from transfer import services
from transfer.models import Listing, ListingKind, ListingState

from .factories import BaseFactory, DealFactory, ListingFactory

pytestmark = pytest.mark.django_db


def test_public_search_page_finds_and_filters(client):
    a = ListingFactory(title="智能网联汽车域控制器", description="车规级域控制器软硬件平台")
    ListingFactory(title="中药配方颗粒", description="配方颗粒质量标准")
    body = client.get("/transfer/", {"q": "域控制器"}).content.decode()
    assert a.title in body and "中药配方颗粒" not in body
    body = client.get("/transfer/", {"q": "域控制器", "kind": "demand"}).content.decode()
    assert a.title not in body and 'id="empty-state"' in body
    bad = client.get("/transfer/", {"trl_min": "abc", "q": "域控制器"})
    assert bad.status_code == 400 and 'data-field="trl_min"' in bad.content.decode()
    assert a.title in bad.content.decode()  # the valid filters still apply


def test_listing_form_creates_and_submits(client):
    user = member("110000")
    client.force_login(user)
    assert client.get("/transfer/listings/new/").status_code == 200
    data = {
        "kind": "supply",
        "result_type": "software_copyright",
        "title": "工业互联网边缘网关软件",
        "summary": "边缘计算网关",
        "description": "支持多协议接入的边缘网关软件。",
        "field": "communications",
        "trl": "7",
        "ip_refs": "2023SR0123456",
        "transfer_mode": "license",
        "price": "",
        "negotiable": "on",
        "contact_name": "赵工",
        "contact_phone": "13600003333",
        "expires_on": (timezone.localdate() + datetime.timedelta(days=100)).isoformat(),
        "submit": "1",
    }
    resp = client.post("/transfer/listings/new/", data)
    assert resp.status_code == 302
    listing = Listing.objects.get()
    assert listing.state == ListingState.SUBMITTED and listing.ip_refs == ["2023SR0123456"]
    bad = client.post("/transfer/listings/new/", {**data, "ip_refs": "ZL202310123456.5"})
    assert bad.status_code == 400 and 'data-field="ip_refs"' in bad.content.decode()
    assert Listing.objects.count() == 1


def test_official_reviews_on_the_detail_page(client):
    owner = member("120000")
    listing = ListingFactory(owner=owner.organization, state=ListingState.SUBMITTED)
    reviewer = official("120000")
    client.force_login(reviewer)
    page = client.get(listing.get_absolute_url()).content.decode()
    assert 'value="publish"' in page
    client.post(f"/transfer/listings/{listing.pk}/transition/", {"transition": "return", "reason": ""})
    listing.refresh_from_db()
    assert listing.state == ListingState.SUBMITTED  # a reason is required
    client.post(f"/transfer/listings/{listing.pk}/transition/", {"transition": "publish"})
    listing.refresh_from_db()
    assert listing.state == ListingState.PUBLISHED


def test_deal_page_shows_statistics_and_exports(client):
    DealFactory(buyer_region=None, buyer_name="深圳某公司")
    DealFactory()
    client.force_login(official("110000"))
    body = client.get("/transfer/deals/").content.decode()
    assert 'id="deal-stats"' in body and "50.0%" in body and 'id="deal-trend"' in body
    resp = client.get("/transfer/deals/?export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3


def test_deal_form_registers_a_deal(client):
    user = member("120000")
    client.force_login(user)
    resp = client.post(
        "/transfer/deals/new/",
        {
            "title": "高端轴承技术许可",
            "field": "manufacturing",
            "contract_amount": "880000",
            "registration_number": "2026120104000999",
            "buyer_name": "唐山某机械公司",
            "buyer_region": "130200",
            "signed_on": timezone.localdate().isoformat(),
        },
    )
    assert resp.status_code == 302
    bad = client.post(
        "/transfer/deals/new/",
        {"contract_amount": "1", "registration_number": "12", "buyer_name": "x", "signed_on": "2026-01-01"},
    )
    assert bad.status_code == 400 and 'data-field="registration_number"' in bad.content.decode()


def test_listing_export_needs_sign_in_and_keeps_filters(client):
    ListingFactory(description="无人机巡检")
    ListingFactory(description="其他")
    assert client.get("/transfer/?export=xlsx").status_code == 302
    client.force_login(member("110000"))
    resp = client.get("/transfer/", {"q": "巡检", "export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2


def test_valuation_page_for_the_institution(client):
    owner = member("110000")
    listing = ListingFactory(owner=owner.organization)
    inst = member("110000", kind=OrganizationKind.PROVIDER, role=Role.PROVIDER_MEMBER)
    client.force_login(owner)
    client.post(f"/transfer/listings/{listing.pk}/valuation/", {"institution": inst.organization_id})
    client.force_login(inst)
    page = client.get("/transfer/valuations/").content.decode()
    assert listing.title in page and 'value="accept"' in page


@pytest.mark.parametrize("n", [3, 30])
def test_list_pages_run_a_fixed_number_of_queries(n, client, django_assert_max_num_queries):
    coordinator = official("110000", coordinator=True)
    mlist = services.matching_list_create(actor=coordinator, period="2026-Q2")
    for _ in range(n):
        base = BaseFactory()
        d = ListingFactory(kind=ListingKind.DEMAND, base=base, description="测试需求描述")
        s = ListingFactory(base=base)
        DealFactory(base=base)
        services.pair_propose(actor=coordinator, matching_list=mlist, demand=d, supply=s)
    client.force_login(coordinator)
    for path, bound in [
        ("/transfer/", 14),
        ("/transfer/?q=测试", 17),
        ("/transfer/deals/", 15),
        ("/transfer/directory/", 14),
        ("/transfer/matching/", 14),
        (mlist.get_absolute_url(), 16),
        ("/transfer/valuations/", 14),
    ]:
        with django_assert_max_num_queries(bound):
            resp = client.get(path)
        assert resp.status_code == 200, path
    client.logout()
    with django_assert_max_num_queries(10):
        assert client.get("/transfer/?q=测试").status_code == 200
