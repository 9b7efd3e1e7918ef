"""The demo data loads twice without duplicating anything, and its ledgers reconcile."""

import io

import pytest

from vouchers import demo, services
from vouchers.models import Claim, LedgerEntry, Programme, Voucher

pytestmark = pytest.mark.django_db


def test_demo_loads_idempotently_with_vouchers_used_across_regions():
    demo.load(stdout=io.StringIO())
    counts = (
        Programme.objects.count(),
        Voucher.objects.count(),
        Claim.objects.count(),
        LedgerEntry.objects.count(),
    )
    demo.load()
    assert counts == (
        Programme.objects.count(),
        Voucher.objects.count(),
        Claim.objects.count(),
        LedgerEntry.objects.count(),
    )
    assert sorted(Programme.objects.values_list("region_id", flat=True)) == ["110000", "120000", "130000"]
    assert sorted(Claim.objects.values_list("state", flat=True)) == ["confirmed", "filed", "paid"]
    assert all(c.issuing_region_id != c.provider_region_id for c in Claim.objects.all())
    for programme in Programme.objects.all():
        services.reconcile(programme)


def test_demo_fits_the_core_demo_accounts():
    from portal.management.commands.seed_demo import Command

    core = Command(stdout=io.StringIO())
    core.accounts, core.created = [], 0
    core.seed_core()
    demo.load()
    assert Claim.objects.count() == 3
    for username in ("bj_enterprise", "tj_enterprise", "hb_enterprise"):
        assert Voucher.objects.filter(holder__users__username=username).exists()
    for username in ("bj_provider", "tj_provider", "hb_provider"):
        assert Claim.objects.filter(provider__organization__users__username=username).exists()
