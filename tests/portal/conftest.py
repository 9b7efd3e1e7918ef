"""Fixtures for the core's tests: officials of two provinces, an applicant, and tickets of the test app."""

from __future__ import annotations

import pytest

from portal.models import OrganizationKind, Region, Role
from tests.factories import OrganizationFactory, UserFactory, member, official
from tests.testapp import services
from tests.testapp.models import Ticket


@pytest.fixture
def bj_agency(db):
    return OrganizationFactory(
        kind=OrganizationKind.AGENCY, agency_domain="science", region=Region.objects.get(pk="110000")
    )


@pytest.fixture
def bj_officer(bj_agency):
    return official("110000", organization=bj_agency)


@pytest.fixture
def tj_officer(db):
    return official("120000")


@pytest.fixture
def applicant(db):
    return member("110000")


@pytest.fixture
def auditor(db):
    return UserFactory(roles=[Role.AUDITOR])


@pytest.fixture
def platform_admin(db):
    return UserFactory(roles=[Role.PLATFORM_ADMIN], is_staff=True)


@pytest.fixture
def ticket(applicant, bj_agency) -> Ticket:
    return services.create_ticket(actor=applicant, title="联合实验室申请", agency=bj_agency)
