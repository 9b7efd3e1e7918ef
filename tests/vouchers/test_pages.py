"""The whole path by pages (enterprise, provider, officials), exports, and fixed query counts."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from portal.models import Deadline
from tests.factories import official
from vouchers import services
from vouchers.models import Application, Claim, ClaimState, SettlementBatch

from .factories import documents, make_enterprise, make_programme, make_provider, make_voucher

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_whole_path_by_pages():
    programme, beijing = make_programme("110000")
    enterprise = make_enterprise("110000")
    provider, member, service = make_provider("120000", price="3000")
    ent, prov, off = as_user(enterprise), as_user(member), as_user(beijing)

    page = ent.get(f"/vouchers/programmes/{programme.pk}/")
    assert page.status_code == 200 and "eligibility-problems" not in page.content.decode()
    r = ent.post(f"/vouchers/programmes/{programme.pk}/", {"amount": "8000", "purpose": "材料检测"})
    application = Application.objects.get(applicant=enterprise.organization)
    assert r.status_code == 302 and r.url == application.get_absolute_url()
    assert "8000" in off.get("/vouchers/applications/?state=submitted").content.decode()
    r = off.post(f"/vouchers/application/{application.pk}/transition/", {"transition": "approve"})
    assert r.status_code == 302
    application.refresh_from_db()
    voucher = application.voucher
    assert voucher.code in ent.get("/vouchers/vouchers/").content.decode()

    found = ent.get("/vouchers/services/", {"region": "120000", "q": "显微镜"}).content.decode()
    assert service.name in found and f"<td>{service.pk}</td>" in found  # the number the booking box takes
    # the voucher's booking box offers services as their name is typed, not the whole catalogue
    page = ent.get(f"/vouchers/vouchers/{voucher.pk}/").content.decode()
    assert 'data-suggest="/vouchers/services/suggest/"' in page and service.name not in page
    offered = ent.get("/vouchers/services/suggest/", {"q": service.name[-3:]}).content.decode()
    assert f'<option value="{service.pk}">' in offered and provider.organization.name in offered
    # its number finds it too; what is not a number of ours finds nothing, never an error
    assert (
        f'<option value="{service.pk}">'
        in ent.get("/vouchers/services/suggest/", {"q": f"{service.pk:02d}"}).content.decode()
    )
    for odd in ("²²", "1" * 40, "%%", "'; --"):
        r = ent.get("/vouchers/services/suggest/", {"q": odd})
        assert r.status_code == 200 and "<option" not in r.content.decode(), odd
    r = ent.post(f"/vouchers/vouchers/{voucher.pk}/", {"service": "999999", "quantity": "2"})
    assert r.status_code == 400 and 'data-field="service"' in r.content.decode()
    assert "999999" in r.content.decode() and not Claim.objects.exists()
    r = ent.post(f"/vouchers/vouchers/{voucher.pk}/", {"service": service.pk, "quantity": "2"})
    claim = Claim.objects.get(voucher=voucher)
    assert r.status_code == 302 and claim.state == ClaimState.BOOKED

    r = prov.post(f"/vouchers/claims/{claim.pk}/", {"transition": "file", "amount": "", **documents()})
    assert r.status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.FILED and claim.amount == Decimal("3000.00")
    r = ent.post(f"/vouchers/claims/{claim.pk}/", {"transition": "confirm", "rating": "4", "comment": "好"})
    claim.refresh_from_db()
    assert claim.state == ClaimState.CONFIRMED
    due = Deadline.objects.get(object_id=str(claim.pk), kind="voucher_claim_review").due_at
    assert (
        timezone.localtime(due).strftime("%Y-%m-%d")
        in off.get(f"/vouchers/claims/{claim.pk}/").content.decode()
    )
    off.post(f"/vouchers/claim/{claim.pk}/transition/", {"transition": "approve"})
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED

    r = off.post("/vouchers/settlements/", {"provider": provider.pk})
    batch = SettlementBatch.objects.get()
    assert r.status_code == 302
    off.post(f"/vouchers/batch/{batch.pk}/transition/", {"transition": "pay", "reason": "转账"})
    batch.refresh_from_db()
    assert batch.state == "paid"
    assert batch.get_absolute_url() in prov.get("/vouchers/settlements/").content.decode()

    export = off.get(f"/vouchers/settlements/{batch.pk}/?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row == 2 and voucher.code in [c.value for c in sheet[2]]
    statement = off.get("/vouchers/statement/").content.decode()
    assert "天津市" in statement and "3000" in statement
    services.reconcile(programme)


def test_refusals_show_as_messages_never_500():
    programme, officer = make_programme("130000", max_staff=1000, max_revenue=Decimal("400000000"))
    big = make_enterprise("130000", staff=5000, revenue="900000000")
    client = as_user(big)
    page = client.get(f"/vouchers/programmes/{programme.pk}/").content.decode()
    assert "eligibility-problems" in page
    r = client.post(f"/vouchers/programmes/{programme.pk}/", {"amount": "1000"}, follow=True)
    assert r.status_code == 200 and not Application.objects.exists()
    assert "alert-danger" in r.content.decode()
    # a second approval is refused with a message
    enterprise = make_enterprise("130000")
    voucher = make_voucher(programme, officer, enterprise)
    r = as_user(officer).post(
        f"/vouchers/application/{voucher.application_id}/transition/", {"transition": "approve"}, follow=True
    )
    assert r.status_code == 200 and "alert-danger" in r.content.decode()
    # another region's official sees nothing of it
    assert as_user(official("110000")).get(f"/vouchers/vouchers/{voucher.pk}/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/vouchers/claims/",
        "/vouchers/vouchers/",
        "/vouchers/applications/",
        "/vouchers/services/",
        "/vouchers/providers/",
        "/vouchers/programmes/",
        "/vouchers/settlements/",
    ],
)
def test_list_pages_cost_a_fixed_number_of_queries_and_export(url, django_assert_max_num_queries):
    programme, officer = make_programme("110000", budget="1000000", cap="20000")

    def grow(n):
        enterprise = make_enterprise("110000")
        voucher = make_voucher(programme, officer, enterprise, "5000")
        provider, member, service = make_provider("130000", price="10")
        for _ in range(n):
            claim = services.book_service(actor=enterprise, voucher=voucher, service=service)
            services.file_claim(claim, actor=member, documents=documents())
            services.confirm_claim(claim, actor=enterprise, rating=5)
            services.approve_claim(claim, actor=officer)
        services.create_batch(actor=officer, provider=provider)

    grow(3)
    client = as_user(officer)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    for _ in range(9):
        grow(3)
    with django_assert_max_num_queries(16):
        page = client.get(url)
        assert page.status_code == 200 and "empty-state" not in page.content.decode()
    export = client.get(url, {"export": "xlsx"})
    assert (
        export.status_code == 200 and openpyxl.load_workbook(io.BytesIO(export.content)).active.max_row >= 2
    )


def test_home_shows_each_party_its_links():
    officer, enterprise, member = official("120000"), make_enterprise("120000"), make_provider("120000")[1]
    assert "/vouchers/statement/" in as_user(officer).get("/vouchers/").content.decode()
    enterprise_home = as_user(enterprise).get("/vouchers/").content.decode()
    assert "/vouchers/vouchers/" in enterprise_home and "/vouchers/statement/" not in enterprise_home
    assert "/vouchers/settlements/" in as_user(member).get("/vouchers/").content.decode()
    assert as_user(enterprise).get("/vouchers/statement/").status_code == 404


def test_an_official_opens_a_programme_from_the_page_and_bad_input_is_refused():
    from django.utils import timezone as tz

    from vouchers.models import LedgerEntry, Programme

    officer = official("130000")
    client = as_user(officer)
    today = tz.localdate()
    data = {
        "name": "河北省创新券（第二批）",
        "year": today.year,
        "total_budget": "800000",
        "cap_per_enterprise": "900000",
        "subsidy_ratio": "0.5",
        "valid_from": str(today),
        "valid_until": str(today.replace(year=today.year + 1)),
        "provider_regions": ["110000", "120000", "130000"],
        "categories": ["testing", "rd"],
        "max_staff": "1000",
        "max_revenue": "400000000",
        "min_rd_ratio": "2",
    }
    r = client.post("/vouchers/programmes/", data, follow=True)
    assert r.status_code == 200 and "alert-danger" in r.content.decode() and not Programme.objects.exists()
    data["cap_per_enterprise"] = "50000"
    r = client.post("/vouchers/programmes/", data)
    programme = Programme.objects.get()
    assert r.status_code == 302 and r.url == programme.get_absolute_url()
    assert programme.region_id == "130000" and programme.categories == ["testing", "rd"]
    assert LedgerEntry.objects.get(programme=programme).kind == "allocation"
    enterprise_page = as_user(make_enterprise("130000")).get("/vouchers/programmes/").content.decode()
    assert programme.name in enterprise_page and 'id="list-form"' not in enterprise_page


def test_a_vouchers_page_shows_its_latest_claims_and_links_to_all_of_them(django_assert_max_num_queries):
    from vouchers.views import VOUCHER_PAGE_CLAIMS

    programme, officer = make_programme("110000", budget="1000000", cap="20000")
    enterprise = make_enterprise("110000")
    voucher = make_voucher(programme, officer, enterprise, amount="20000")
    _provider, _member, service = make_provider("120000", price="10")
    booked = [
        services.book_service(actor=enterprise, voucher=voucher, service=service)
        for _ in range(VOUCHER_PAGE_CLAIMS + 1)
    ]
    client = as_user(enterprise)
    client.get(f"/vouchers/vouchers/{voucher.pk}/")
    with django_assert_max_num_queries(12):
        page = client.get(f"/vouchers/vouchers/{voucher.pk}/").content.decode()
    shown = [c for c in booked if f'href="/vouchers/claims/{c.pk}/"' in page]
    assert shown == booked[1:]  # the latest twenty
    row = page.split(f'href="/vouchers/claims/{booked[-1].pk}/"', 1)[1].split("</tr>", 1)[0]
    assert "扫描电子显微镜测试 SEM-01" in row and service.provider.organization.name in row
    assert f"/vouchers/claims/?voucher={voucher.pk}" in page
    listed = client.get("/vouchers/claims/", {"voucher": voucher.pk}).content.decode()
    assert all(f'href="/vouchers/claims/{c.pk}/"' in listed for c in booked)
