"""Programme management (edit before opening, budget changes, closing), the cap after expiry and
revocation, the provider's catalogue management, the search across the three regions, the settlement
export and the cross-region statement on a crafted data set, and bad input answered with a 4xx."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from portal import audit
from portal.exceptions import PermissionDenied, TransitionNotAllowed, ValidationError
from portal.models import AuditEntry, Event
from tests.conftest import api_as
from tests.factories import official
from vouchers import services
from vouchers.models import Application, LedgerEntry, Programme, Service

from .factories import documents, make_enterprise, make_programme, make_provider, make_voucher

pytestmark = pytest.mark.django_db

BASE = "/api/v1/vouchers"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _future_programme(province="130000", **kwargs):
    today = timezone.localdate()
    return make_programme(
        province,
        valid_from=today + datetime.timedelta(days=10),
        valid_until=today + datetime.timedelta(days=200),
        **kwargs,
    )


# --------------------------------------------------------------------------- programme edit and close


def test_agency_edits_a_programme_until_it_opens_then_only_the_budget_moves():
    programme, officer = _future_programme(budget="100000", cap="20000", ratio="0.5")
    services.update_programme(
        programme,
        actor=officer,
        name="河北省创新券（修订）",
        subsidy_ratio=Decimal("0.6"),
        cap_per_enterprise=Decimal("30000"),
        provider_regions=["130000", "110000"],
        total_budget=Decimal("120000"),
    )
    programme.refresh_from_db()
    assert (programme.name, programme.subsidy_ratio, programme.cap_per_enterprise) == (
        "河北省创新券（修订）",
        Decimal("0.600"),
        Decimal("30000.00"),
    )
    assert programme.provider_regions == ["110000", "130000"]
    assert LedgerEntry.objects.get(programme=programme, kind="top_up").amount == Decimal("20000.00")
    update = AuditEntry.objects.get(object_id=str(programme.pk), action="update")
    assert set(update.changes) >= {"name", "subsidy_ratio", "cap_per_enterprise", "total_budget"}
    assert services.reconcile(programme)["budget"] == Decimal("120000.00")

    # another agency of the same region, and another region, may not touch it (audited)
    with pytest.raises(PermissionDenied) as denied:
        services.update_programme(programme, actor=official("130000"), name="别人的")
    audit.ensure_denial_recorded(denied.value)  # as the middleware does after the rollback
    assert AuditEntry.objects.filter(object_id=str(programme.pk), action="permission_denied").exists()
    with pytest.raises(PermissionDenied):
        services.change_budget(programme, actor=official("110000"), total_budget="1")

    # the programme opens: its rules are fixed, its budget can still be raised
    Programme.objects.filter(pk=programme.pk).update(valid_from=timezone.localdate())
    programme.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        services.update_programme(programme, actor=officer, subsidy_ratio=Decimal("0.9"))
    enterprise = make_enterprise("130000")
    make_voucher(programme, officer, enterprise, "30000")
    services.change_budget(programme, actor=officer, total_budget="150000", reason="追加预算")
    with pytest.raises(ValidationError) as exc:  # never below what is issued
        services.change_budget(programme, actor=officer, total_budget="29999.99")
    assert "total_budget" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():  # and PostgreSQL holds it
        Programme.objects.filter(pk=programme.pk).update(total_budget=Decimal("29999.99"))
    services.change_budget(programme, actor=officer, total_budget="100000")  # lowered, above issued
    totals = services.ledger_totals(programme)
    assert (totals["top_up"], totals["reduction"]) == (Decimal("50000.00"), Decimal("50000.00"))
    derived = services.reconcile(programme)
    assert derived["budget"] == Decimal("100000.00") and derived["unissued"] == Decimal("70000.00")
    assert Event.objects.filter(type="voucher_programme.budget_changed", object_id=str(programme.pk)).exists()


def test_closing_refuses_new_and_waiting_applications_and_releases_nothing_issued():
    programme, officer = make_programme("120000", budget="50000", cap="20000")
    holder = make_enterprise("120000")
    voucher = make_voucher(programme, officer, holder, "10000")
    waiting_org = make_enterprise("120000")
    waiting = services.apply_for_voucher(actor=waiting_org, programme=programme, amount=Decimal("5000"))
    with pytest.raises(ValidationError) as exc:
        services.close_programme(programme, actor=officer, reason=" ")
    assert "reason" in exc.value.message_dict
    services.close_programme(programme, actor=officer, reason="年度预算执行完毕")
    programme.refresh_from_db()
    waiting.refresh_from_db()
    assert not programme.open and programme.closed_at and waiting.state == "refused"
    assert "年度预算执行完毕" in waiting.decision_reason
    assert Event.objects.filter(
        type="voucher_application.refuse", recipient_ids__contains=[waiting_org.pk]
    ).exists()
    with pytest.raises(TransitionNotAllowed):
        services.close_programme(programme, actor=officer, reason="again")
    with pytest.raises(TransitionNotAllowed):
        services.change_budget(programme, actor=officer, total_budget="60000")
    with pytest.raises(ValidationError) as exc:
        services.apply_for_voucher(actor=make_enterprise("120000"), programme=programme, amount=Decimal("1"))
    assert "programme" in exc.value.message_dict

    # the voucher already issued stays whole and usable
    voucher.refresh_from_db()
    assert voucher.state == "active" and voucher.balance == Decimal("10000.00")
    _provider, member, service = make_provider("110000", price="1000")
    claim = services.book_service(actor=holder, voucher=voucher, service=service, quantity=Decimal("4"))
    services.file_claim(claim, actor=member, documents=documents())
    derived = services.reconcile(programme)
    assert derived["unissued"] == Decimal("40000.00") and derived["reserved"] == Decimal("2000.00")
    assert not LedgerEntry.objects.filter(programme=programme, kind__in=["expiry", "revocation"]).exists()


def test_programme_management_by_page_and_api():
    programme, officer = _future_programme("110000", budget="80000", cap="10000")
    page = as_user(officer)
    assert 'id="manage-programme"' in page.get(programme.get_absolute_url()).content.decode()
    other = as_user(official("110000"))
    assert 'id="manage-programme"' not in other.get(programme.get_absolute_url()).content.decode()
    assert other.get(f"/vouchers/programmes/{programme.pk}/edit/").status_code == 403
    edit = page.get(f"/vouchers/programmes/{programme.pk}/edit/")
    assert edit.status_code == 200 and 'id="edit-programme"' in edit.content.decode()
    data = {
        "action": "edit",
        "name": programme.name,
        "year": programme.year,
        "total_budget": "80000",
        "cap_per_enterprise": "90000",  # over the budget: refused on the field
        "subsidy_ratio": "0.5",
        "valid_from": str(programme.valid_from),
        "valid_until": str(programme.valid_until),
        "provider_regions": ["110000", "120000", "130000"],
        "categories": ["testing"],
    }
    r = page.post(f"/vouchers/programmes/{programme.pk}/edit/", data)
    assert r.status_code == 400 and 'data-field="cap_per_enterprise"' in r.content.decode()
    data["cap_per_enterprise"] = "15000"
    r = page.post(f"/vouchers/programmes/{programme.pk}/edit/", data)
    assert r.status_code == 302
    programme.refresh_from_db()
    assert programme.cap_per_enterprise == Decimal("15000.00") and programme.categories == ["testing"]

    api = api_as(officer)
    r = api.patch(f"{BASE}/programmes/{programme.pk}/", {"subsidy_ratio": "0.7"}, format="json")
    assert r.status_code == 200 and r.json()["subsidy_ratio"] == "0.700"
    r = api.patch(f"{BASE}/programmes/{programme.pk}/", {"max_staff": 10**12}, format="json")
    assert r.status_code == 400 and "max_staff" in r.json()["error"]["fields"]
    r = api_as(official("120000")).patch(f"{BASE}/programmes/{programme.pk}/", {"name": "x"}, format="json")
    assert r.status_code == 403
    r = api.post(f"{BASE}/programmes/{programme.pk}/budget/", {"total_budget": "abc"}, format="json")
    assert r.status_code == 400 and "total_budget" in r.json()["error"]["fields"]
    r = api.post(f"{BASE}/programmes/{programme.pk}/budget/", {"total_budget": "90000"}, format="json")
    assert r.status_code == 200 and r.json()["total_budget"] == "90000.00"

    Programme.objects.filter(pk=programme.pk).update(valid_from=timezone.localdate())
    edit = page.get(f"/vouchers/programmes/{programme.pk}/edit/").content.decode()
    assert 'id="programme-opened"' in edit and 'id="edit-programme"' not in edit
    r = page.post(f"/vouchers/programmes/{programme.pk}/edit/", {**data, "cap_per_enterprise": "1000"})
    assert r.status_code == 400 and "alert-danger" in r.content.decode()
    r = api.patch(f"{BASE}/programmes/{programme.pk}/", {"name": "改名"}, format="json")
    assert r.status_code == 409
    r = page.post(f"/vouchers/programmes/{programme.pk}/edit/", {"action": "budget", "total_budget": "95000"})
    assert r.status_code == 302
    r = api.post(f"{BASE}/programmes/{programme.pk}/close/", {}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    r = page.post(f"/vouchers/programmes/{programme.pk}/edit/", {"action": "close", "reason": "结束"})
    assert r.status_code == 302
    detail = page.get(programme.get_absolute_url()).content.decode()
    assert 'id="programme-closed"' in detail and 'id="manage-programme"' not in detail
    r = api.post(f"{BASE}/programmes/{programme.pk}/close/", {"reason": "again"}, format="json")
    assert r.status_code == 409
    assert services.reconcile(programme)["budget"] == Decimal("95000.00")


# --------------------------------------------------------------------------- the cap per enterprise


def test_an_expired_or_revoked_voucher_returns_to_the_budget_but_keeps_the_cap_used():
    programme, officer = make_programme("130000", budget="100000", cap="10000")
    enterprise = make_enterprise("130000")
    voucher = make_voucher(programme, officer, enterprise, "6000")
    services.revoke_voucher(voucher, actor=officer, reason="虚假申报")
    second = make_voucher(programme, officer, enterprise, "4000")  # 6,000 + 4,000 = the cap
    later = timezone.localdate() + datetime.timedelta(days=400)
    assert services.expire_vouchers(today=later) == [second.pk]
    assert LedgerEntry.objects.get(voucher=second, kind="expiry").actor.username == "portal-system"
    derived = services.reconcile(programme)  # the allowance still counts 10,000 issued
    assert derived["unissued"] == Decimal("100000.00")
    with pytest.raises(ValidationError) as exc:
        services.apply_for_voucher(actor=enterprise, programme=programme, amount=Decimal("1"))
    assert "amount" in exc.value.message_dict
    assert "amount" in services.eligibility_problems(programme, enterprise.organization)


# --------------------------------------------------------------------------- catalogue and search


def test_provider_edits_and_withdraws_its_services_by_page_and_api():
    provider, member, service = make_provider("120000", price="800")
    enterprise = make_enterprise("120000")
    programme, officer = make_programme("120000")
    voucher = make_voucher(programme, officer, enterprise, "5000")
    booked = services.book_service(actor=enterprise, voucher=voucher, service=service)

    page = as_user(member)
    assert f"/vouchers/services/{service.pk}/edit/" in page.get(provider.get_absolute_url()).content.decode()
    form = {"name": service.name, "model_number": "SEM-02", "category": "testing", "unit": "样品"}
    r = page.post(f"/vouchers/services/{service.pk}/edit/", {**form, "unit_price": "-5", "active": "on"})
    assert r.status_code == 400 and 'data-field="unit_price"' in r.content.decode()
    r = page.post(f"/vouchers/services/{service.pk}/edit/", {**form, "unit_price": "900", "active": "on"})
    assert r.status_code == 302
    service.refresh_from_db()
    assert (service.unit_price, service.model_number, service.active) == (Decimal("900.00"), "SEM-02", True)
    booked.refresh_from_db()
    assert booked.price == Decimal("800.00")  # a booking keeps its price
    assert AuditEntry.objects.filter(object_id=str(service.pk), action="update").exists()

    r = page.post(f"/vouchers/services/{service.pk}/toggle/")
    service.refresh_from_db()
    assert r.status_code == 302 and not service.active
    with pytest.raises(ValidationError):
        services.book_service(actor=enterprise, voucher=voucher, service=service)
    assert service.name not in as_user(enterprise).get(provider.get_absolute_url()).content.decode()
    assert 'data-service-state="withdrawn"' in page.get(provider.get_absolute_url()).content.decode()

    api = api_as(member)
    r = api.patch(f"{BASE}/services/{service.pk}/", {"active": True, "unit_price": "950"}, format="json")
    assert r.status_code == 200 and r.json()["active"] is True and r.json()["unit_price"] == "950.00"
    r = api.patch(f"{BASE}/services/{service.pk}/", {"category": "cooking"}, format="json")
    assert r.status_code == 400 and "category" in r.json()["error"]["fields"]
    other_provider_member = make_provider("120000")[1]
    r = api_as(other_provider_member).patch(f"{BASE}/services/{service.pk}/", {"unit": "次"}, format="json")
    assert r.status_code == 403
    assert as_user(other_provider_member).get(f"/vouchers/services/{service.pk}/edit/").status_code == 404
    services.add_service(
        actor=member, name="拉曼光谱", category="testing", unit_price=Decimal("300"), unit="次"
    )
    r = api.patch(f"{BASE}/services/{service.pk}/", {"name": "拉曼光谱", "model_number": ""}, format="json")
    assert r.status_code == 400 and "name" in r.json()["error"]["fields"]


def test_search_across_the_three_regions_by_region_category_and_price(django_assert_max_num_queries):
    def catalogue():
        made = []
        for province, price, category in (
            ("110000", "500", "testing"),
            ("120000", "1500", "testing"),
            ("130000", "800", "instrument"),
        ):
            made.append(make_provider(province, price=price, category=category)[2])
        return made

    beijing, tianjin, hebei = catalogue()
    pending_member = make_enterprise("110000")  # an enterprise searching
    withdrawn = make_provider("110000", price="600")[2]
    Service.objects.filter(pk=withdrawn.pk).update(active=False)
    client = as_user(pending_member)

    def found(params):
        with django_assert_max_num_queries(12):
            r = client.get("/vouchers/services/", params)
        assert r.status_code == 200
        html = r.content.decode()
        return {
            s.pk
            for s in (beijing, tianjin, hebei, withdrawn)
            if f">{s.provider.province.name}<" in html and s.provider.organization.name in html
        }

    assert found({}) == {beijing.pk, tianjin.pk, hebei.pk}
    assert found({"region": "120000"}) == {tianjin.pk}
    assert found({"category": "instrument"}) == {hebei.pk}
    assert found({"min_price": "600", "max_price": "1000"}) == {hebei.pk}
    assert found({"category": "testing", "max_price": "1000"}) == {beijing.pk}
    api = api_as(pending_member)
    r = api.get(f"{BASE}/services/", {"region": "110000", "category": "testing", "max_price": "550"})
    assert [s["id"] for s in r.json()["results"]] == [beijing.pk]
    r = api.get(f"{BASE}/services/", {"max_price": "cheap"})
    assert r.status_code == 400 and "max_price" in r.json()["error"]["fields"]
    providers = api.get(f"{BASE}/providers/", {"category": "instrument"}).json()["results"]
    assert {p["province"] for p in providers} == {"130000"}
    for _ in range(5):
        catalogue()
    found({"category": "testing"})


# --------------------------------------------------------------------------- settlement and statement


def _through(programme, officer, enterprise, service, member, quantity, *, approve=True):
    """Book, file (the most the ratio allows), confirm and, if asked, approve one claim."""
    voucher = enterprise.organization.vouchers.get(programme=programme)
    claim = services.book_service(
        actor=enterprise, voucher=voucher, service=service, quantity=Decimal(quantity)
    )
    services.file_claim(claim, actor=member, documents=documents())
    services.confirm_claim(claim, actor=enterprise, rating=5)
    if approve:
        services.approve_claim(claim, actor=officer)
    return claim


def test_cross_region_statement_and_settlement_export_match_a_crafted_data_set():
    """Beijing's vouchers spent in Tianjin (2 claims), Hebei (1) and Beijing (1); Hebei's spent in
    Beijing (1); a Beijing claim only filed and a rejected one count for nothing."""
    bj_programme, bj = make_programme("110000", ratio="0.5", budget="200000", cap="50000")
    hb_programme, hb = make_programme("130000", ratio="0.4", budget="200000", cap="50000")
    bj_ent, hb_ent = make_enterprise("110000"), make_enterprise("130000")
    make_voucher(bj_programme, bj, bj_ent, "40000")
    make_voucher(hb_programme, hb, hb_ent, "40000")
    tj_provider, tj_member, tj_service = make_provider("120000", price="1000")
    hb_provider, hb_member, hb_service = make_provider("130000", price="300")
    bj_provider, bj_member, bj_service = make_provider("110000", price="700")

    _through(bj_programme, bj, bj_ent, tj_service, tj_member, "4")  # 2,000
    _through(bj_programme, bj, bj_ent, tj_service, tj_member, "3")  # 1,500
    _through(bj_programme, bj, bj_ent, hb_service, hb_member, "5")  # 750
    _through(bj_programme, bj, bj_ent, bj_service, bj_member, "2")  # 700, within the region
    _through(hb_programme, hb, hb_ent, bj_service, bj_member, "10")  # 7,000 × 0.4 = 2,800
    _through(bj_programme, bj, bj_ent, tj_service, tj_member, "9", approve=False)  # confirmed only
    rejected = _through(bj_programme, bj, bj_ent, hb_service, hb_member, "1", approve=False)
    services.reject_claim(rejected, actor=bj, reason="发票不符")

    batch = services.create_batch(actor=bj, provider=tj_provider)
    services.pay_batch(batch, actor=bj, reference="BJ-TJ-001")
    assert batch.total == Decimal("3500.00")

    expected_bj = [
        {
            "issuing_region": "北京市",
            "provider_region": "北京市",
            "cross_region": False,
            "claims": 1,
            "total": "700.00",
        },
        {
            "issuing_region": "北京市",
            "provider_region": "天津市",
            "cross_region": True,
            "claims": 2,
            "total": "3500.00",
        },
        {
            "issuing_region": "北京市",
            "provider_region": "河北省",
            "cross_region": True,
            "claims": 1,
            "total": "750.00",
        },
        {
            "issuing_region": "河北省",
            "provider_region": "北京市",
            "cross_region": True,
            "claims": 1,
            "total": "2800.00",
        },
    ]
    assert api_as(bj).get(f"{BASE}/claims/statement/").json() == expected_bj
    # Tianjin's officials see what was spent at their providers; Hebei's, their vouchers and their providers
    tj_rows = api_as(official("120000")).get(f"{BASE}/claims/statement/").json()
    assert tj_rows == [expected_bj[1]]
    hb_rows = api_as(official("130000")).get(f"{BASE}/claims/statement/").json()
    assert hb_rows == [expected_bj[2], expected_bj[3]]
    year = timezone.localdate().year
    assert api_as(bj).get(f"{BASE}/claims/statement/", {"year": year + 1}).json() == []
    r = api_as(bj).get(f"{BASE}/claims/statement/", {"year": "²⁰²⁶"})
    assert r.status_code == 400 and "year" in r.json()["error"]["fields"]

    page = as_user(bj)
    assert page.get("/vouchers/statement/", {"year": "9" * 30}).status_code == 400
    sheet = openpyxl.load_workbook(io.BytesIO(page.get("/vouchers/statement/?export=xlsx").content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(r[0], r[1], r[2], Decimal(str(r[3]))) for r in rows] == [
        (e["issuing_region"], e["provider_region"], e["claims"], Decimal(e["total"])) for e in expected_bj
    ]

    export = page.get(f"/vouchers/settlements/{batch.pk}/?export=xlsx")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row == 3
    amounts = [Decimal(str(row[9].value)).quantize(Decimal("0.01")) for row in sheet.iter_rows(min_row=2)]
    assert all(isinstance(row[9].value, float | int) for row in sheet.iter_rows(min_row=2))
    assert sorted(amounts) == [Decimal("1500.00"), Decimal("2000.00")] and sum(amounts) == batch.total
    assert as_user(tj_member).get(f"/vouchers/settlements/{batch.pk}/?export=xlsx").status_code == 200
    assert as_user(hb_member).get(f"/vouchers/settlements/{batch.pk}/?export=xlsx").status_code == 404
    services.reconcile(bj_programme)
    services.reconcile(hb_programme)


# --------------------------------------------------------------------------- bad input


def test_bad_input_is_a_4xx_naming_the_field():
    officer = official("120000")
    today = timezone.localdate()
    body = {
        "name": "天津市创新券",
        "year": today.year,
        "total_budget": "500000",
        "cap_per_enterprise": "50000",
        "subsidy_ratio": "0.5",
        "valid_from": str(today),
        "valid_until": str(today + datetime.timedelta(days=100)),
    }
    api = api_as(officer)
    assert api.post(f"{BASE}/programmes/", body, format="json").status_code == 201
    r = api.post(f"{BASE}/programmes/", body, format="json")  # same name, region and year
    assert r.status_code == 400 and "name" in r.json()["error"]["fields"]
    r = api.post(f"{BASE}/programmes/", {**body, "name": "大", "max_staff": 2**40}, format="json")
    assert r.status_code == 400 and "max_staff" in r.json()["error"]["fields"]
    r = as_user(officer).post(
        "/vouchers/programmes/",
        {**body, "name": "大", "max_staff": str(2**40), "provider_regions": ["120000"], "categories": ["rd"]},
    )
    assert r.status_code == 200 and 'data-field="max_staff"' in r.content.decode()
    assert Programme.objects.count() == 1

    programme = Programme.objects.get()
    enterprise = make_enterprise("120000")
    application = services.apply_for_voucher(actor=enterprise, programme=programme, amount=Decimal("100"))
    r = api.post(
        f"{BASE}/applications/{application.pk}/transition/refuse/", {"reason": ["列表"]}, format="json"
    )
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    r = api.post(
        f"{BASE}/applications/{application.pk}/transition/refuse/", {"reason": "a\x00b"}, format="json"
    )
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    application.refresh_from_db()
    assert application.state == "submitted" and not Application.objects.filter(state="refused").exists()
    r = api.post(  # a body field named like the record is ignored, not a 500
        f"{BASE}/applications/{application.pk}/transition/refuse/",
        {"reason": "材料不全", "application": 1},
        format="json",
    )
    assert r.status_code == 200 and r.json()["state"] == "refused"
