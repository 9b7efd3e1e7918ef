import io

import pytest

from talent import demo
from talent.models import Appointment, Certificate, RecognitionRequest, RegistryEntry

pytestmark = pytest.mark.django_db


def test_demo_data_covers_every_state_across_the_regions_and_loads_twice_without_duplicates():
    out = io.StringIO()
    demo.load(stdout=out)
    states = set(RecognitionRequest.objects.values_list("state", flat=True))
    assert states == {
        "submitted",
        "verification_requested",
        "acknowledged",
        "verified",
        "not_verified",
        "recognized",
        "refused",
        "revoked",
        "withdrawn",
    }
    assert RecognitionRequest.objects.filter(registry_entry__isnull=False).exists()
    assert {
        r for pair in RecognitionRequest.objects.values_list("host_region", "issuing_region") for r in pair
    } == {
        "110000",
        "120000",
        "130000",
    }
    assert Certificate.objects.filter(revoked_at__isnull=False).count() == 1
    counts = (RecognitionRequest.objects.count(), RegistryEntry.objects.count(), Appointment.objects.count())
    demo.load(stdout=out)
    assert (
        RecognitionRequest.objects.count(),
        RegistryEntry.objects.count(),
        Appointment.objects.count(),
    ) == counts
    assert "recognition requests" in out.getvalue()
