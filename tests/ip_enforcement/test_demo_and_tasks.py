"""Demo data covers every referral state between every pair of regions and loads idempotently;
the integrity sweep finds altered evidence files."""

from __future__ import annotations

import io

import pytest

from ip_enforcement import demo
from ip_enforcement.models import Case, Evidence, Referral, ReferralState
from ip_enforcement.tasks import verify_evidence_task
from portal.models import Event

from .factories import make_case, text_upload

pytestmark = pytest.mark.django_db

PAIRS = {(a, b) for a in ("110000", "120000", "130000") for b in ("110000", "120000", "130000") if a != b}


def test_demo_has_referrals_in_every_state_between_all_pairs_and_is_idempotent():
    out = io.StringIO()
    demo.load(stdout=out)
    counts = (Case.objects.count(), Referral.objects.count(), Evidence.objects.count())
    for state in ReferralState.values:
        pairs = set(Referral.objects.filter(state=state).values_list("from_province_id", "to_province_id"))
        assert pairs == PAIRS, state
    demo.load(stdout=out)
    assert (Case.objects.count(), Referral.objects.count(), Evidence.objects.count()) == counts
    assert "demo records created" in out.getvalue()


def test_integrity_sweep_reports_altered_files(bj):
    from ip_enforcement import services

    case = make_case(bj)
    good = services.add_evidence(actor=bj, case=case, upload=text_upload("a.txt"), description="a")
    bad = services.add_evidence(actor=bj, case=case, upload=text_upload("b.txt"), description="b")
    with open(bad.attachment.file.path, "wb") as fh:
        fh.write(b"replaced")
    assert verify_evidence_task.apply(args=[[good.pk, bad.pk]]).get() == [bad.pk]
    event = Event.objects.get(type="ip.evidence.integrity_failure")
    assert bj.pk in event.recipient_ids
