"""Decisions reach the applicant, claims the enterprise and the issuing agency, settlement the provider:
through the outbox, delivered by a real Celery worker."""

from decimal import Decimal

import pytest

from portal.models import Notification
from tests.conftest import wait_for
from vouchers import services

from .factories import documents, make_enterprise, make_programme, make_provider, make_voucher


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_party_is_notified_in_its_inbox_by_the_worker(celery_worker):
    programme, officer = make_programme("120000")
    enterprise = make_enterprise("120000")
    voucher = make_voucher(programme, officer, enterprise, "5000")
    provider, member, service = make_provider("110000")
    claim = services.book_service(actor=enterprise, voucher=voucher, service=service, quantity=Decimal("2"))
    services.file_claim(claim, actor=member, documents=documents())
    services.confirm_claim(claim, actor=enterprise, rating=5)
    services.approve_claim(claim, actor=officer)
    batch = services.create_batch(actor=officer, provider=provider)
    services.pay_batch(batch, actor=officer, reference="T-1")

    def inbox(user):
        return set(Notification.objects.filter(user=user).values_list("event__type", flat=True))

    wait_for(lambda: {"voucher_application.approve", "voucher_claim.file"} <= inbox(enterprise), timeout=30)
    wait_for(
        lambda: {"voucher_claim.booked", "voucher_claim.approve", "voucher_settlement.pay"} <= inbox(member),
        timeout=30,
    )
    wait_for(lambda: "voucher_claim.confirm" in inbox(officer), timeout=30)
