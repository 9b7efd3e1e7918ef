"""The demo data loads, is realistic in size, and loading it twice changes nothing."""

import pytest

from transfer import demo
from transfer.models import Base, Deal, Listing, MatchPair, ShowcaseItem, TechField

pytestmark = pytest.mark.django_db


def test_demo_loads_idempotently():
    demo.load()
    counts = (
        Listing.objects.count(),
        Base.objects.count(),
        Deal.objects.count(),
        MatchPair.objects.count(),
        ShowcaseItem.objects.count(),
    )
    assert counts[0] >= 200
    assert set(Listing.objects.values_list("field", flat=True)) == set(TechField.values) - {"other"}
    assert Base.objects.filter(name="雄安新区中关村科技园").exists()
    assert counts[2] >= 30 and counts[3] >= 3 and counts[4] == 8
    demo.load()
    assert (
        Listing.objects.count(),
        Base.objects.count(),
        Deal.objects.count(),
        MatchPair.objects.count(),
        ShowcaseItem.objects.count(),
    ) == counts
    assert Listing.objects.filter(search_vector__isnull=True).count() == 0
