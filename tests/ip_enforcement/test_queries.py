"""Lists (pages and API) run a fixed number of queries whatever their length: the same count with
3 rows and with 30 rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ip_enforcement import services
from tests.conftest import api_as

from .factories import ip_agency, make_case, make_referral, make_request

pytestmark = pytest.mark.django_db

PAGE_BOUND = 14
API_BOUND = 8


def _load(bj, agencies, n):
    for i in range(n):
        ref = make_referral(bj, agencies[i % 2])
        make_request(bj, agencies[(i + 1) % 2], case=ref.case)
        services.add_journal_entry(actor=bj, case=ref.case, text=f"记录{i}")
        make_case(bj)
    services.create_operation(
        actor=bj,
        title=f"联合行动{n}",
        targets="仓库",
        starts_on="2026-12-01",
        ends_on="2026-12-02",
        tasks=[{"agency": a, "description": "检查"} for a in agencies],
    )


def _count(fetch) -> int:
    fetch()  # warm caches (content types, holidays, sessions)
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "name",
    [
        "ip_enforcement:case_list",
        "ip_enforcement:referral_list",
        "ip_enforcement:assistance_list",
        "ip_enforcement:operation_list",
        "ip_enforcement:home",
        "ip_enforcement:overview",
    ],
)
def test_list_pages_cost_the_same_queries_for_3_and_30_rows(client, django_assert_max_num_queries, bj, name):
    agencies = [ip_agency("120000"), ip_agency("130000")]
    client.force_login(bj)
    _load(bj, agencies, 3)
    small = _count(lambda: client.get(reverse(name)))
    _load(bj, agencies, 27)
    with django_assert_max_num_queries(PAGE_BOUND):
        client.get(reverse(name))
    assert _count(lambda: client.get(reverse(name))) == small <= PAGE_BOUND


@pytest.mark.parametrize("path", ["cases/", "referrals/", "assistance-requests/", "evidence/", "operations/"])
def test_list_endpoints_cost_the_same_queries_for_3_and_30_rows(django_assert_max_num_queries, bj, path):
    agencies = [ip_agency("120000"), ip_agency("130000")]
    client = api_as(bj)
    _load(bj, agencies, 3)
    case = make_case(bj)
    from .factories import text_upload

    for i in range(3):
        services.add_evidence(actor=bj, case=case, upload=text_upload(f"{i}.txt"), description=str(i))
    small = _count(lambda: client.get(f"/api/v1/ip/{path}"))
    _load(bj, agencies, 27)
    for i in range(27):
        services.add_evidence(actor=bj, case=case, upload=text_upload(f"x{i}.txt"), description=str(i))
    with django_assert_max_num_queries(API_BOUND):
        client.get(f"/api/v1/ip/{path}")
    assert _count(lambda: client.get(f"/api/v1/ip/{path}")) == small <= API_BOUND
