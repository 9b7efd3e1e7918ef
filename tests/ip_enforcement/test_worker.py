"""With a real Celery worker: a referral reaches the receiving officers' inbox after commit."""

from __future__ import annotations

import pytest

from portal.models import Notification
from tests.conftest import wait_for

from .factories import ip_officer, make_referral


@pytest.mark.django_db(transaction=True)
def test_referral_is_delivered_to_the_receiving_inbox_by_the_worker(celery_worker):
    bj, tj = ip_officer("110000"), ip_officer("120000")
    ref = make_referral(bj, tj.organization)
    note = wait_for(
        lambda: Notification.objects.filter(user=tj, event__type="ip.referral.send").first(), timeout=30
    )
    assert ref.number in note.title and note.link == ref.get_absolute_url()
    assert not Notification.objects.filter(user=bj, event__type="ip.referral.send").exists()
