"""The demo data: one programme per state of its life and applications in every state, loaded twice
without duplicates."""

from __future__ import annotations

import pytest

from cooperation import demo
from cooperation.models import (
    Application,
    ApplicationState,
    Consortium,
    Programme,
    ProgrammeState,
    Project,
    ProjectState,
)

pytestmark = pytest.mark.django_db


def test_demo_covers_every_state_and_is_idempotent():
    demo.load()
    counts = (
        Programme.objects.count(),
        Application.objects.count(),
        Project.objects.count(),
        Consortium.objects.count(),
    )
    assert set(Programme.objects.values_list("state", flat=True)) == set(ProgrammeState.values)
    assert set(Application.objects.values_list("state", flat=True)) == set(ApplicationState.values)
    assert set(Project.objects.values_list("state", flat=True)) == {
        ProjectState.ONGOING,
        ProjectState.ACCEPTED,
    }
    demo.load()
    assert counts == (
        Programme.objects.count(),
        Application.objects.count(),
        Project.objects.count(),
        Consortium.objects.count(),
    )
