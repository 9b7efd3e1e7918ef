"""The money path through the services, and every refusal the issue names."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from portal.exceptions import PermissionDenied, TransitionNotAllowed, ValidationError
from portal.models import Deadline, Event, OrganizationKind
from tests.factories import official
from vouchers import services
from vouchers.models import ClaimState, LedgerEntry, Programme, Voucher, VoucherState

from .factories import documents, make_enterprise, make_programme, make_provider, make_voucher

pytestmark = pytest.mark.django_db


def _claim(voucher, enterprise, service, quantity="10"):
    return services.book_service(
        actor=enterprise, voucher=voucher, service=service, quantity=Decimal(quantity)
    )


def test_hebei_voucher_spent_in_beijing_reconciles_from_issue_to_payment():
    programme, hebei = make_programme(
        "130000", max_staff=1000, max_revenue=Decimal("400000000"), min_rd_ratio=Decimal("2")
    )
    enterprise = make_enterprise("130000")
    voucher = make_voucher(programme, hebei, enterprise, "10000")
    assert voucher.code.startswith("JJJ-13-") and voucher.balance == Decimal("10000.00")
    provider, member, service = make_provider("110000")

    claim = _claim(voucher, enterprise, service, "10")  # price 10,000, ratio 0.5 → at most 5,000
    assert claim.provider_region_id == "110000" and claim.issuing_region_id == "130000"
    services.file_claim(claim, actor=member, documents=documents())
    claim.refresh_from_db()
    assert claim.state == ClaimState.FILED and claim.amount == Decimal("5000.00")
    voucher.refresh_from_db()
    assert voucher.reserved == Decimal("5000.00") and voucher.balance == Decimal("5000.00")

    services.confirm_claim(claim, actor=enterprise, rating=5, comment="很好")
    review = Deadline.objects.get(object_id=str(claim.pk), kind="voucher_claim_review")
    assert review.responsible_organization_id == programme.agency_id and review.status == "open"

    services.approve_claim(claim, actor=hebei)
    review.refresh_from_db()
    assert review.status == "met"
    voucher.refresh_from_db()
    assert (voucher.reserved, voucher.redeemed) == (Decimal("0.00"), Decimal("5000.00"))

    batch = services.create_batch(actor=hebei, provider=provider)
    assert batch.total == Decimal("5000.00")
    services.pay_batch(batch, actor=hebei, reference="PAY-001")
    claim.refresh_from_db()
    assert claim.state == ClaimState.PAID
    derived = services.reconcile(programme)
    assert derived["paid"] == Decimal("5000.00") and derived["unissued"] == Decimal("90000.00")
    assert Event.objects.filter(type="voucher_settlement.pay", recipient_ids__contains=[member.pk]).exists()
    assert Event.objects.filter(
        type="voucher_application.approve", recipient_ids__contains=[enterprise.pk]
    ).exists()
    assert Event.objects.filter(type="voucher_claim.file", recipient_ids__contains=[enterprise.pk]).exists()
    assert Event.objects.filter(
        type="voucher_claim.confirm", organization_ids__contains=[programme.agency_id]
    ).exists()

    statement = services_statement(hebei)
    assert statement == [("河北省", "北京市", True, Decimal("5000.00"))]


def services_statement(user):
    from vouchers.selectors import cross_region_statement

    return [
        (r["issuing_region"], r["provider_region"], r["cross_region"], r["total"])
        for r in cross_region_statement(user=user)
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"staff": 5000, "revenue": "900000000"}, "size"),
        ({"rd": "1.00"}, "rd_ratio"),
        ({"kind": OrganizationKind.UNIVERSITY}, "applicant"),
    ],
)
def test_ineligible_enterprise_is_refused_with_the_reason(kwargs, field):
    programme, _officer = make_programme(
        "130000", max_staff=1000, max_revenue=Decimal("400000000"), min_rd_ratio=Decimal("2")
    )
    enterprise = make_enterprise("130000", **kwargs)
    with pytest.raises(ValidationError) as exc:
        services.apply_for_voucher(actor=enterprise, programme=programme, amount=Decimal("1000"))
    assert field in exc.value.message_dict


def test_an_enterprise_of_another_region_may_not_apply():
    programme, _officer = make_programme("130000")
    with pytest.raises(ValidationError) as exc:
        services.apply_for_voucher(
            actor=make_enterprise("110000"), programme=programme, amount=Decimal("1000")
        )
    assert "region" in exc.value.message_dict


def test_over_the_cap_is_refused_at_application_and_by_the_database():
    programme, officer = make_programme("130000", cap="15000")
    enterprise = make_enterprise("130000")
    make_voucher(programme, officer, enterprise, "10000")
    with pytest.raises(ValidationError) as exc:
        services.apply_for_voucher(actor=enterprise, programme=programme, amount=Decimal("6000"))
    assert "amount" in exc.value.message_dict
    services.apply_for_voucher(actor=enterprise, programme=programme, amount=Decimal("5000"))
    from vouchers.models import Allowance

    with pytest.raises(IntegrityError), transaction.atomic():
        Allowance.objects.filter(programme=programme).update(issued=Decimal("15000.01"))


def test_two_pending_applications_cannot_both_be_approved_past_the_cap():
    programme, officer = make_programme("130000", cap="15000")
    enterprise = make_enterprise("130000")
    first = services.apply_for_voucher(actor=enterprise, programme=programme, amount=Decimal("10000"))
    second = services.apply_for_voucher(actor=enterprise, programme=programme, amount=Decimal("10000"))
    services.approve_application(first, actor=officer)
    with pytest.raises(ValidationError):
        services.approve_application(second, actor=officer)
    services.reconcile(programme)


def test_a_programme_never_issues_more_than_its_budget():
    programme, officer = make_programme("120000", budget="25000", cap="10000")
    vouchers = [make_voucher(programme, officer, make_enterprise("120000"), "10000") for _ in range(2)]
    last = services.apply_for_voucher(
        actor=make_enterprise("120000"), programme=programme, amount=Decimal("10000")
    )
    with pytest.raises(ValidationError):
        services.approve_application(last, actor=officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.filter(pk=programme.pk).update(issued_total=Decimal("25000.01"))
    assert len(vouchers) == 2
    assert services.reconcile(programme)["unissued"] == Decimal("5000.00")


def test_provider_region_not_admitted_is_refused():
    programme, officer = make_programme("110000", provider_regions=["110000", "120000"])
    enterprise = make_enterprise("110000")
    voucher = make_voucher(programme, officer, enterprise)
    _provider, _member, service = make_provider("130000")
    with pytest.raises(ValidationError) as exc:
        services.book_service(actor=enterprise, voucher=voucher, service=service)
    assert "service" in exc.value.message_dict


def test_amount_over_balance_or_subsidy_ratio_is_refused_and_held_by_the_database():
    programme, officer = make_programme("120000", ratio="0.4")
    enterprise = make_enterprise("120000")
    voucher = make_voucher(programme, officer, enterprise, "3000")
    _provider, member, service = make_provider("130000", price="1000")
    claim = services.book_service(actor=enterprise, voucher=voucher, service=service, quantity=Decimal("5"))
    with pytest.raises(ValidationError) as exc:  # 5,000 × 0.4 = 2,000 at most
        services.file_claim(claim, actor=member, amount=Decimal("2000.01"), documents=documents())
    assert "amount" in exc.value.message_dict
    big = services.book_service(actor=enterprise, voucher=voucher, service=service, quantity=Decimal("20"))
    with pytest.raises(ValidationError) as exc:  # 8,000 allowed by the ratio but the voucher holds 3,000
        services.file_claim(big, actor=member, amount=Decimal("3000.01"), documents=documents())
    assert "amount" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(reserved=Decimal("3000.01"))
    from vouchers.models import Claim

    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(amount=Decimal("2000.01"))
    assert LedgerEntry.objects.filter(kind="reservation").count() == 0


def test_a_claim_without_its_documents_is_refused_naming_each():
    programme, officer = make_programme("120000")
    enterprise = make_enterprise("120000")
    voucher = make_voucher(programme, officer, enterprise)
    _provider, member, service = make_provider("120000")
    claim = services.book_service(actor=enterprise, voucher=voucher, service=service)
    docs = documents()
    docs.pop("invoice")
    with pytest.raises(ValidationError) as exc:
        services.file_claim(claim, actor=member, documents=docs)
    assert set(exc.value.message_dict) == {"invoice"}


def test_expired_voucher_cannot_book_or_be_claimed_and_returns_its_balance():
    programme, officer = make_programme("130000")
    enterprise = make_enterprise("130000")
    voucher = make_voucher(programme, officer, enterprise, "8000")
    _provider, member, service = make_provider("120000")
    pending = services.book_service(actor=enterprise, voucher=voucher, service=service, quantity=Decimal("2"))
    services.file_claim(pending, actor=member, documents=documents())  # reserves 1,000
    later = timezone.localdate() + datetime.timedelta(days=400)
    assert services.expire_vouchers(today=later) == [voucher.pk]
    voucher.refresh_from_db()
    assert voucher.state == VoucherState.EXPIRED and voucher.returned == Decimal("7000.00")
    with pytest.raises(ValidationError) as exc:
        services.book_service(actor=enterprise, voucher=voucher, service=service)
    assert "voucher" in exc.value.message_dict
    services.confirm_claim(pending, actor=enterprise, rating=3)
    services.reject_claim(pending, actor=officer, reason="发票不符")
    voucher.refresh_from_db()
    assert voucher.returned == Decimal("8000.00") and voucher.balance == 0
    assert services.reconcile(programme)["unissued"] == Decimal("100000.00")


def test_voucher_past_its_date_is_refused_even_before_the_expiry_run():
    programme, officer = make_programme("130000")
    enterprise = make_enterprise("130000")
    voucher = make_voucher(programme, officer, enterprise)
    _p, _m, service = make_provider("130000")
    Voucher.objects.filter(pk=voucher.pk).update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    voucher.refresh_from_db()
    with pytest.raises(ValidationError):
        services.book_service(actor=enterprise, voucher=voucher, service=service)


def test_a_claim_is_approved_once_and_paid_once():
    programme, officer = make_programme("110000")
    enterprise = make_enterprise("110000")
    voucher = make_voucher(programme, officer, enterprise)
    provider, member, service = make_provider("130000")
    claim = services.book_service(actor=enterprise, voucher=voucher, service=service)
    services.file_claim(claim, actor=member, documents=documents())
    services.confirm_claim(claim, actor=enterprise, rating=4)
    services.approve_claim(claim, actor=officer)
    with pytest.raises(TransitionNotAllowed):
        services.approve_claim(claim, actor=officer)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a second redemption
        LedgerEntry.objects.create(
            kind="redemption", programme=programme, voucher=voucher, claim=claim, amount=1
        )
    batch = services.create_batch(actor=officer, provider=provider)
    services.pay_batch(batch, actor=officer, reference="A")
    with pytest.raises(TransitionNotAllowed):
        services.pay_batch(batch, actor=officer, reference="B")
    with pytest.raises(ValidationError):
        services.create_batch(actor=officer, provider=provider)
    assert LedgerEntry.objects.filter(kind="payment", claim=claim).count() == 1
    services.reconcile(programme)


def test_only_the_issuing_region_reviews_and_the_ledger_is_append_only():
    programme, officer = make_programme("110000")
    enterprise = make_enterprise("110000")
    voucher = make_voucher(programme, officer, enterprise)
    _provider, member, service = make_provider("120000")
    claim = services.book_service(actor=enterprise, voucher=voucher, service=service)
    services.file_claim(claim, actor=member, documents=documents())
    services.confirm_claim(claim, actor=enterprise, rating=4)
    with pytest.raises(PermissionDenied):
        services.approve_claim(claim, actor=official("120000"))
    with pytest.raises(PermissionDenied):
        services.approve_claim(claim, actor=member)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(programme=programme).update(amount=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(programme=programme).delete()


def test_revocation_returns_the_unreserved_balance():
    programme, officer = make_programme("120000")
    enterprise = make_enterprise("120000")
    voucher = make_voucher(programme, officer, enterprise, "6000")
    with pytest.raises(ValidationError):
        services.revoke_voucher(voucher, actor=officer, reason="")
    services.revoke_voucher(voucher, actor=officer, reason="虚假申报")
    voucher.refresh_from_db()
    assert voucher.state == VoucherState.REVOKED and voucher.returned == Decimal("6000.00")
    assert services.reconcile(programme)["unissued"] == Decimal("100000.00")


def test_review_deadline_reminds_and_escalates_to_the_issuing_region():
    from portal import deadlines

    programme, officer = make_programme("130000")
    coordinator = official("130000", coordinator=True)
    enterprise = make_enterprise("130000")
    voucher = make_voucher(programme, officer, enterprise)
    _provider, member, service = make_provider("110000")
    claim = services.book_service(actor=enterprise, voucher=voucher, service=service)
    services.file_claim(claim, actor=member, documents=documents())
    services.confirm_claim(claim, actor=enterprise, rating=5)
    due = Deadline.objects.get(object_id=str(claim.pk), kind="voucher_claim_review").due_at
    assert deadlines.send_reminders(now=due - datetime.timedelta(days=1)) >= 1
    assert Event.objects.filter(type="deadline.reminder", recipient_ids__contains=[officer.pk]).exists()
    assert deadlines.escalate_overdue(now=due + datetime.timedelta(hours=1)) >= 1
    assert Event.objects.filter(type="deadline.escalated", recipient_ids__contains=[coordinator.pk]).exists()


def test_the_daily_expiry_task_lapses_vouchers_past_their_date():
    from vouchers.tasks import expire_vouchers_task

    programme, officer = make_programme("110000")
    voucher = make_voucher(programme, officer, make_enterprise("110000"), "4000")
    assert expire_vouchers_task() == 0
    Voucher.objects.filter(pk=voucher.pk).update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    assert expire_vouchers_task() == 1
    voucher.refresh_from_db()
    assert voucher.state == VoucherState.EXPIRED and voucher.balance == 0
    assert Event.objects.filter(type="voucher.expired", object_id=str(voucher.pk)).exists()
    services.reconcile(programme)
