"""The beat task, run by a real Celery worker, expires a listing past its date once."""

import datetime

import pytest
from django.utils import timezone

from portal.models import StateChange
from tests.conftest import wait_for
from transfer.models import Listing, ListingState
from transfer.tasks import expire_listings

from .factories import ListingFactory


@pytest.mark.django_db(transaction=True)
def test_a_worker_expires_listings_past_their_date(celery_worker):
    old = ListingFactory(expires_on=timezone.localdate() - datetime.timedelta(days=2))
    fresh = ListingFactory()
    expire_listings.delay()
    wait_for(lambda: Listing.objects.get(pk=old.pk).state == ListingState.EXPIRED, timeout=30)
    result = expire_listings.delay().get(timeout=30)
    assert result == {"warned": 0, "expired": 0}
    assert StateChange.objects.filter(object_id=str(old.pk), to_state="expired").count() == 1
    assert Listing.objects.get(pk=fresh.pk).state == ListingState.PUBLISHED
