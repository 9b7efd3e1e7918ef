"""The ledger reconciles after any sequence of operations (hypothesis), and no budget or voucher is
overspent when many threads issue and redeem at once (real PostgreSQL row locks and constraints)."""

import datetime
import itertools
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal.exceptions import PermissionDenied, TransitionNotAllowed, ValidationError
from tests.factories import official
from vouchers import services
from vouchers.models import Application, Claim, ClaimState, Programme, Voucher, VoucherState

from .factories import documents, make_enterprise, make_provider

REFUSED = (ValidationError, TransitionNotAllowed, PermissionDenied)
_n = itertools.count()

OPS = st.lists(
    st.tuples(
        st.sampled_from(["issue", "claim", "approve", "reject", "expire", "revoke", "settle"]),
        st.integers(min_value=0, max_value=3),
        st.integers(min_value=1, max_value=9000),
    ),
    min_size=1,
    max_size=20,
)


@pytest.mark.django_db
def test_ledger_reconciles_after_random_operations():
    officer = official("130000")
    enterprises = [make_enterprise("130000") for _ in range(4)]
    provider, member, service = make_provider("110000", price="1000")
    today = timezone.localdate()
    succeeded: set[str] = set()

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(ops=OPS)
    @example(
        ops=[
            ("issue", 0, 5000),
            ("issue", 1, 3000),
            ("claim", 0, 2),
            ("claim", 0, 3),
            ("approve", 0, 1),
            ("reject", 1, 1),
            ("expire", 0, 1),
            ("settle", 0, 1),
            ("revoke", 1, 1),
            ("issue", 2, 8000),
        ]
    )
    def run(ops):
        programme = services.create_programme(
            actor=officer,
            name=f"随机 {next(_n)}",
            year=today.year,
            total_budget=Decimal("20000"),
            cap_per_enterprise=Decimal("8000"),
            subsidy_ratio=Decimal("0.6"),
            valid_from=today,
            valid_until=today + datetime.timedelta(days=100),
        )
        vouchers, claims = [], []
        for op, i, amount in ops:
            try:
                if op == "issue":
                    app = services.apply_for_voucher(
                        actor=enterprises[i], programme=programme, amount=Decimal(amount)
                    )
                    services.approve_application(app, actor=officer)
                    vouchers.append(Voucher.objects.get(application=app))
                elif op == "claim" and vouchers:
                    v = vouchers[i % len(vouchers)]
                    holder = next(e for e in enterprises if e.organization_id == v.holder_id)
                    claim = services.book_service(
                        actor=holder, voucher=v, service=service, quantity=Decimal(amount % 7 + 1)
                    )
                    claims.append(claim)
                    services.file_claim(
                        claim, actor=member, amount=Decimal(amount % 4000 + 1), documents=documents()
                    )
                    services.confirm_claim(claim, actor=holder, rating=4)
                elif op == "approve" and claims:
                    services.approve_claim(claims[i % len(claims)], actor=officer)
                elif op == "reject" and claims:
                    services.reject_claim(claims[i % len(claims)], actor=officer, reason="材料不全")
                elif op == "expire" and vouchers:
                    Voucher.objects.filter(pk=vouchers[i % len(vouchers)].pk).update(
                        expires_on=today - datetime.timedelta(days=1)
                    )
                    services.expire_vouchers(today=today)
                elif op == "revoke" and vouchers:
                    services.revoke_voucher(vouchers[i % len(vouchers)], actor=officer, reason="撤销")
                elif op == "settle":
                    services.create_batch(actor=officer, provider=provider)
                    for batch in provider.batches.filter(state="draft"):
                        services.pay_batch(batch, actor=officer, reference="R")
                else:
                    continue
                succeeded.add(op)
            except REFUSED:
                pass
            derived = services.reconcile(programme)
            assert sum(
                derived[k] for k in ("unissued", "voucher_available", "reserved", "payable", "paid")
            ) == Decimal("20000")

    run()
    assert {"issue", "claim", "approve", "reject", "expire", "settle", "revoke"} <= succeeded


def _threads(fn, items):
    errors, done = [], []

    def work(item):
        try:
            done.append(fn(item))
        except REFUSED as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return done, errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_overspend_when_many_threads_issue_and_redeem_at_once():
    officer = official("120000")
    today = timezone.localdate()
    programme = services.create_programme(
        actor=officer,
        name="并发",
        year=today.year,
        total_budget=Decimal("10000"),
        cap_per_enterprise=Decimal("5000"),
        subsidy_ratio=Decimal("0.5"),
        valid_from=today,
        valid_until=today + datetime.timedelta(days=30),
    )
    enterprises = [make_enterprise("120000") for _ in range(16)]
    applications = [
        services.apply_for_voucher(actor=e, programme=programme, amount=Decimal("1000")) for e in enterprises
    ]
    # the same enterprise asks twice more: its cap of 5,000 must hold under concurrency as well
    applications += [
        services.apply_for_voucher(actor=enterprises[0], programme=programme, amount=Decimal("3000"))
        for _ in range(2)
    ]

    done, refused = _threads(lambda a: services.approve_application(a, actor=officer), applications)
    programme.refresh_from_db()
    issued = Voucher.objects.filter(programme=programme)
    assert programme.issued_total <= programme.total_budget
    assert sum(v.amount for v in issued) == programme.issued_total
    assert sum(v.amount for v in issued.filter(holder=enterprises[0].organization)) <= Decimal("5000")
    assert len(done) + len(refused) == len(applications) and refused
    assert Application.objects.filter(programme=programme, state="approved").count() == issued.count()

    voucher = issued.filter(holder=enterprises[1].organization).first() or issued.first()
    holder = next(e for e in enterprises if e.organization_id == voucher.holder_id)
    _provider, member, service = make_provider("130000", price="200")  # each claim at most 100
    claims = [
        services.book_service(actor=holder, voucher=voucher, service=service)
        for _ in range(int(voucher.amount // 100) + 6)
    ]
    done, refused = _threads(
        lambda c: services.file_claim(c, actor=member, amount=Decimal("100"), documents=documents()), claims
    )
    voucher.refresh_from_db()
    assert len(done) == voucher.amount // 100 and len(refused) == 6
    assert voucher.reserved == voucher.amount and voucher.balance == 0

    filed = list(Claim.objects.filter(voucher=voucher, state=ClaimState.FILED))
    for c in filed:
        services.confirm_claim(c, actor=holder, rating=5)
    # every claim approved by two officials at once: each is redeemed exactly once
    second = official("120000")
    done, refused = _threads(
        lambda pair: services.approve_claim(pair[0], actor=pair[1]),
        [(c, u) for c in filed for u in (officer, second)],
    )
    assert len(done) == len(filed) and len(refused) == len(filed)
    voucher.refresh_from_db()
    assert (
        voucher.redeemed == voucher.amount and voucher.reserved == 0 and voucher.state == VoucherState.ACTIVE
    )
    derived = services.reconcile(Programme.objects.get(pk=programme.pk))
    assert derived["payable"] == voucher.amount
