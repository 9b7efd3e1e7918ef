"""The whole path by the REST API, the refusals as 4xx answers, scoping, Idempotency-Key, fixed query counts."""

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.conftest import api_as
from tests.factories import official
from vouchers import services
from vouchers.models import Claim, LedgerEntry

from .factories import documents, make_enterprise, make_programme, make_provider, make_voucher

pytestmark = pytest.mark.django_db

BASE = "/api/v1/vouchers"


def test_whole_path_by_api_with_a_partner_filing_idempotently():
    tianjin = official("120000")
    today = timezone.localdate()
    r = api_as(tianjin).post(
        f"{BASE}/programmes/",
        {
            "name": "天津市科技创新券",
            "year": today.year,
            "total_budget": "500000",
            "cap_per_enterprise": "50000",
            "subsidy_ratio": "0.5",
            "valid_from": str(today),
            "valid_until": str(today.replace(year=today.year + 1)),
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    programme_id = r.json()["id"]
    assert r.json()["provider_regions"] == ["110000", "120000", "130000"]
    assert api_as(make_enterprise("110000")).get(f"{BASE}/programmes/{programme_id}/").status_code == 200

    enterprise = make_enterprise("120000")
    r = api_as(enterprise).post(
        f"{BASE}/applications/", {"programme": programme_id, "amount": "20000"}, format="json"
    )
    assert r.status_code == 201, r.content
    app_id = r.json()["id"]
    r = api_as(tianjin).post(f"{BASE}/applications/{app_id}/transition/approve/", {}, format="json")
    assert r.status_code == 200, r.content
    code = r.json()["voucher_code"]
    vouchers = api_as(enterprise).get(f"{BASE}/vouchers/").json()["results"]
    assert [v["code"] for v in vouchers] == [code] and vouchers[0]["balance"] == "20000.00"
    voucher_id = vouchers[0]["id"]

    provider, member, service = make_provider("130000", price="2000")
    services_found = (
        api_as(enterprise).get(f"{BASE}/services/", {"region": "130000", "category": "testing"}).json()
    )
    assert service.pk in [s["id"] for s in services_found["results"]]
    r = api_as(enterprise).post(
        f"{BASE}/claims/", {"voucher": voucher_id, "service": service.pk, "quantity": "3"}, format="json"
    )
    assert r.status_code == 201, r.content
    claim_id = r.json()["id"]

    partner = api_as(member)
    body = {"amount": "2500", **documents()}
    r = partner.post(
        f"{BASE}/claims/{claim_id}/file/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="claim-77"
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "filed" and r.json()["amount"] == "2500.00"
    retry = partner.post(
        f"{BASE}/claims/{claim_id}/file/",
        {"amount": "2500", **documents()},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="claim-77",
    )
    assert retry.status_code == 200 and retry["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.filter(kind="reservation", claim_id=claim_id).count() == 1

    r = api_as(enterprise).post(
        f"{BASE}/claims/{claim_id}/transition/confirm/", {"rating": 5, "comment": "准时"}, format="json"
    )
    assert r.status_code == 200, r.content
    r = api_as(tianjin).post(f"{BASE}/claims/{claim_id}/transition/approve/", {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "approved"
    again = api_as(tianjin).post(f"{BASE}/claims/{claim_id}/transition/approve/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"

    r = api_as(tianjin).post(f"{BASE}/settlements/", {"provider": provider.pk}, format="json")
    assert r.status_code == 201, r.content
    batch_id = r.json()["id"]
    assert r.json()["total"] == "2500.00"
    r = api_as(tianjin).post(
        f"{BASE}/settlements/{batch_id}/transition/pay/", {"reason": "转账 0001"}, format="json"
    )
    assert r.status_code == 200 and r.json()["state"] == "paid"
    assert api_as(member).get(f"{BASE}/settlements/").json()["results"][0]["state"] == "paid"
    assert Claim.objects.get(pk=claim_id).state == "paid"

    statement = api_as(tianjin).get(f"{BASE}/claims/statement/").json()
    assert statement == [
        {
            "issuing_region": "天津市",
            "provider_region": "河北省",
            "cross_region": True,
            "claims": 1,
            "total": "2500.00",
        }
    ]
    ledger = api_as(tianjin).get(f"{BASE}/ledger/", {"programme": programme_id}).json()["results"]
    assert sorted(e["kind"] for e in ledger) == [
        "allocation",
        "issue",
        "payment",
        "redemption",
        "reservation",
    ]


def test_refusals_answer_4xx_naming_the_field():
    programme, officer = make_programme(
        "130000", max_staff=1000, max_revenue=Decimal("400000000"), min_rd_ratio=Decimal("2")
    )
    big = make_enterprise("130000", staff=5000, revenue="900000000")
    r = api_as(big).post(
        f"{BASE}/applications/", {"programme": programme.pk, "amount": "1000"}, format="json"
    )
    assert r.status_code == 400 and "size" in r.json()["error"]["fields"]
    ok = make_enterprise("130000")
    r = api_as(ok).post(
        f"{BASE}/applications/", {"programme": programme.pk, "amount": "20001"}, format="json"
    )
    assert r.status_code == 400 and "amount" in r.json()["error"]["fields"]
    r = api_as(ok).post(f"{BASE}/applications/", {"programme": programme.pk, "amount": "abc"}, format="json")
    assert r.status_code == 400 and "amount" in r.json()["error"]["fields"]

    voucher = make_voucher(programme, officer, ok, "1000")
    _p, member, service = make_provider("110000", price="5000")
    claim = services.book_service(actor=ok, voucher=voucher, service=service)
    r = api_as(member).post(
        f"{BASE}/claims/{claim.pk}/file/", {"amount": "1000.01", **documents()}, format="multipart"
    )
    assert r.status_code == 400 and "amount" in r.json()["error"]["fields"]
    r = api_as(member).post(f"{BASE}/claims/{claim.pk}/file/", {"amount": "500"}, format="multipart")
    assert r.status_code == 400 and set(r.json()["error"]["fields"]) == {
        "contract",
        "invoice",
        "payment_proof",
        "service_record",
    }
    r = api_as(ok).post(
        f"{BASE}/claims/{claim.pk}/file/", {"amount": "500", **documents()}, format="multipart"
    )
    assert r.status_code == 403
    assert LedgerEntry.objects.filter(kind="reservation").count() == 0


def test_records_are_scoped_to_their_parties():
    programme, officer = make_programme("110000")
    enterprise = make_enterprise("110000")
    voucher = make_voucher(programme, officer, enterprise)
    stranger = make_enterprise("110000")
    other_region = official("130000")
    assert api_as(stranger).get(f"{BASE}/vouchers/{voucher.pk}/").status_code == 404
    assert api_as(other_region).get(f"{BASE}/vouchers/{voucher.pk}/").status_code == 404
    assert api_as(officer).get(f"{BASE}/vouchers/{voucher.pk}/").status_code == 200
    application = voucher.application
    r = api_as(other_region).post(
        f"{BASE}/applications/{application.pk}/transition/refuse/", {"reason": "x"}, format="json"
    )
    assert r.status_code == 404
    r = api_as(stranger).post(
        f"{BASE}/claims/", {"voucher": voucher.pk, "service": make_provider()[2].pk}, format="json"
    )
    assert r.status_code == 400 and "voucher" in r.json()["error"]["fields"]
    assert api_as(stranger).get(f"{BASE}/ledger/").json()["results"] == []


def _claims(n, programme, officer, provider_province="130000"):
    enterprise = make_enterprise(programme.region_id)
    voucher = make_voucher(programme, officer, enterprise, "20000")
    _p, member, service = make_provider(provider_province, price="10")
    for _ in range(n):
        services.book_service(actor=enterprise, voucher=voucher, service=service)
    return enterprise, member


@pytest.mark.parametrize(
    "endpoint", ["claims", "vouchers", "applications", "services", "providers", "settlements", "programmes"]
)
def test_list_endpoints_cost_a_fixed_number_of_queries(endpoint, django_assert_max_num_queries):
    programme, officer = make_programme("110000", budget="1000000", cap="20000")
    enterprise, _member = _claims(3, programme, officer)
    for _ in range(2):
        make_voucher(programme, officer, make_enterprise("110000"), "100")
    client = api_as(officer)
    with django_assert_max_num_queries(8):
        assert client.get(f"{BASE}/{endpoint}/").status_code == 200
    for _ in range(9):
        _claims(3, programme, officer)
    with django_assert_max_num_queries(8):
        assert client.get(f"{BASE}/{endpoint}/").status_code == 200


def test_catalogue_is_public_and_providers_are_approved_by_their_own_region():
    from rest_framework.test import APIClient

    from portal.models import OrganizationKind, Region, Role
    from tests.factories import OrganizationFactory, UserFactory

    org = OrganizationFactory(kind=OrganizationKind.PROVIDER, region=Region.objects.get(pk="130600"))
    member = UserFactory(organization=org, roles=[Role.PROVIDER_MEMBER])
    r = api_as(member).post(
        f"{BASE}/providers/", {"description": "保定大型仪器", "contact": "0312"}, format="json"
    )
    assert r.status_code == 201 and r.json()["state"] == "pending" and r.json()["province"] == "130000"
    provider_id = r.json()["id"]
    anonymous = APIClient()
    assert provider_id not in [p["id"] for p in anonymous.get(f"{BASE}/providers/").json()["results"]]
    assert (
        api_as(official("110000")).post(f"{BASE}/providers/{provider_id}/transition/approve/").status_code
        == 404
    )
    r = api_as(official("130000")).post(f"{BASE}/providers/{provider_id}/transition/approve/")
    assert r.status_code == 200 and r.json()["state"] == "approved"
    r = api_as(member).post(
        f"{BASE}/services/",
        {
            "name": "X射线衍射",
            "model_number": "D8",
            "category": "instrument",
            "unit_price": "450",
            "unit": "小时",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    r = api_as(member).post(
        f"{BASE}/services/",
        {"name": "坏价格", "category": "testing", "unit_price": "-1", "unit": "次"},
        format="json",
    )
    assert r.status_code == 400 and "unit_price" in r.json()["error"]["fields"]
    assert (
        api_as(make_enterprise())
        .post(
            f"{BASE}/services/",
            {"name": "冒充", "category": "testing", "unit_price": "1", "unit": "次"},
            format="json",
        )
        .status_code
        == 403
    )
    assert provider_id in [p["id"] for p in anonymous.get(f"{BASE}/providers/").json()["results"]]
    services_public = anonymous.get(f"{BASE}/services/", {"category": "instrument"}).json()["results"]
    assert [s["name"] for s in services_public] == ["X射线衍射"]
    make_programme("110000")
    assert anonymous.get(f"{BASE}/programmes/").json()["results"][0]["region"] == "110000"
    assert anonymous.get(f"{BASE}/claims/").status_code in (401, 403)
    assert anonymous.post(f"{BASE}/programmes/", {}, format="json").status_code in (401, 403)


def test_an_overlong_encrypted_contact_is_refused_naming_the_field():
    from portal.models import OrganizationKind, Region, Role
    from tests.factories import OrganizationFactory, UserFactory

    org = OrganizationFactory(kind=OrganizationKind.PROVIDER, region=Region.objects.get(pk="130600"))
    member = UserFactory(organization=org, roles=[Role.PROVIDER_MEMBER])
    r = api_as(member).post(
        f"{BASE}/providers/", {"description": "仪器", "contact": "8" * 201}, format="json"
    )
    assert r.status_code == 400 and "contact" in r.json()["error"]["fields"], r.content
