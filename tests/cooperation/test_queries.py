"""List pages and list endpoints run a fixed number of queries whatever their length."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from cooperation.models import (
    ApplicationState,
    Consortium,
    ConsortiumMember,
    Disbursement,
    Milestone,
    ProgressReport,
    Project,
    Review,
    ReviewState,
)
from portal.models import OrganizationKind, Region
from tests.conftest import api_as
from tests.cooperation.factories import (
    ApplicationFactory,
    Cast,
    ParticipantFactory,
    TopicFactory,
    open_programme,
)
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def populate(cast: Cast, n: int) -> None:
    """``n`` applications with two participants, a submitted review, and a project with a milestone,
    a report and a disbursement; ``n`` programmes with topics; ``n`` consortia with members."""
    programme, topic = open_programme(cast)
    bj, tj = Region.objects.get(pk="110000"), Region.objects.get(pk="120000")
    for _ in range(n):
        TopicFactory(programme=open_programme(cast)[0])
    for i in range(n):
        lead = OrganizationFactory(kind=OrganizationKind.UNIVERSITY, region=bj)
        app = ApplicationFactory(
            programme=programme,
            topic=topic,
            lead_organization=lead,
            created_by=cast.applicant,
            state=ApplicationState.APPROVED,
            submitted_at=timezone.now(),
        )
        ParticipantFactory(application=app, organization=lead, is_lead=True)
        ParticipantFactory(
            application=app,
            organization=cast.applicant.organization if i == 0 else OrganizationFactory(region=tj),
        )
        Review.objects.create(
            application=app,
            expert=cast.expert1,
            assigned_by=cast.tj_coord,
            state=ReviewState.SUBMITTED,
            innovation=20,
            feasibility=20,
            team=20,
            collaboration=20,
            comments="好",
        )
        project = Project.objects.create(
            application=app, programme=programme, code=f"P-{n}-{i}", title=app.title, lead_organization=lead
        )
        Milestone.objects.create(project=project, title="m", due_date=datetime.date(2027, 1, 1))
        ProgressReport.objects.create(project=project, period="2026", due_date=datetime.date(2027, 1, 1))
        Disbursement.objects.create(
            project=project,
            region=bj,
            amount=Decimal("1"),
            paid_on=datetime.date(2026, 1, 1),
            recorded_by=cast.bj_officer,
        )
        c = Consortium.objects.create(
            kind="consortium",
            name=f"联合体{n}-{i}",
            field="brain",
            lead_organization=lead,
            created_by=cast.bj_officer,
        )
        ConsortiumMember.objects.create(consortium=c, organization=lead, province=bj)
        ConsortiumMember.objects.create(consortium=c, organization=cast.partner.organization, province=tj)


PAGES = ["programmes/", "applications/", "reviews/", "projects/", "consortia/", ""]
ENDPOINTS = ["programmes/", "topics/", "applications/", "reviews/", "projects/", "reports/", "consortia/"]

# The bound is the same for 3 and for 30 rows.
PAGE_QUERIES = 16
API_QUERIES = 10


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("path", PAGES)
def test_list_pages_cost_a_fixed_number_of_queries(django_assert_max_num_queries, n, path):
    cast = Cast()
    populate(cast, n)
    client = Client()
    client.force_login(cast.bj_officer)
    with django_assert_max_num_queries(PAGE_QUERIES):
        r = client.get(f"/cooperation/{path}")
    assert r.status_code == 200
    if path == "applications/":
        assert r.content.decode().count("/cooperation/applications/") >= n


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("path", ENDPOINTS)
def test_list_endpoints_cost_a_fixed_number_of_queries(django_assert_max_num_queries, n, path):
    cast = Cast()
    populate(cast, n)
    client = api_as(cast.bj_officer)
    with django_assert_max_num_queries(API_QUERIES):
        r = client.get(f"/api/v1/cooperation/{path}")
    assert r.status_code == 200
    if path in ("applications/", "projects/", "consortia/"):
        assert len(r.json()["results"]) == n


@pytest.mark.parametrize("n", [3, 30])
def test_applicant_lists_cost_the_same(django_assert_max_num_queries, n):
    cast = Cast()
    populate(cast, n)
    client = Client()
    client.force_login(cast.applicant)
    for path in ("applications/", "projects/", ""):
        with django_assert_max_num_queries(PAGE_QUERIES):
            assert client.get(f"/cooperation/{path}").status_code == 200
    with django_assert_max_num_queries(API_QUERIES):
        assert api_as(cast.applicant).get("/api/v1/cooperation/applications/").status_code == 200


def test_the_applications_page_does_not_read_the_decisions_it_does_not_show():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cast = Cast()
    populate(cast, 3)
    client = Client()
    client.force_login(cast.bj_officer)
    for path, reads in (("/cooperation/applications/", False), ("/api/v1/cooperation/applications/", True)):
        viewer = client if path.startswith("/cooperation/") else api_as(cast.bj_officer)
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get(path).status_code == 200
        sqls = [q["sql"] for q in queries.captured_queries]
        assert any('FROM "cooperation_regiondecision"' in s for s in sqls) is reads, path


def test_the_new_application_page_reads_the_programme_and_its_topics_and_nothing_else_of_it():
    """The form shows the programme's limits and a select of its topics: its regions and a second
    read of its topics (a prefetch the topic field never used) cost three queries (bench, issue 10)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cast = Cast()
    programme, _topic = open_programme(cast)
    client = Client()
    client.force_login(cast.applicant)
    client.get(f"/cooperation/programmes/{programme.pk}/apply/")
    with CaptureQueriesContext(connection) as queries:
        r = client.get(f"/cooperation/programmes/{programme.pk}/apply/")
    assert r.status_code == 200
    tables = [
        q["sql"].split(" FROM ")[1].split()[0] for q in queries.captured_queries if " FROM " in q["sql"]
    ]
    assert tables.count('"cooperation_programme"') == 1
    assert tables.count('"cooperation_topic"') == 1
    assert '"cooperation_programmeregion"' not in tables
