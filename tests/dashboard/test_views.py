"""The cockpit's page, JSON endpoint and Excel exports: who sees what, the fixed number of queries,
links to the filtered lists, and the enterprise home page."""

import io

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse

from portal import dashboard
from portal.models import Role
from portal.tasks import refresh_dashboard
from tests.conftest import wait_for
from tests.dashboard import dataset
from tests.factories import UserFactory, member, official

pytestmark = pytest.mark.django_db

# What a signed-in request costs besides the figures (session read, user with organization and roles;
# the session is written at most once a minute, and _client's first request did that); the page adds
# the navigation's unread count.
REQUEST_OVERHEAD = 2
PAGE_OVERHEAD = 3


def _client(client, user):
    client.force_login(user)
    client.get("/inbox/")  # the session's first save (then at most once a minute)
    return client


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("dashboard:cockpit"))
    assert response.status_code == 302
    assert reverse("portal:login") in response["Location"]


def test_members_may_not_open_the_cockpit(client):
    _client(client, member("110000"))
    assert client.get(reverse("dashboard:cockpit")).status_code == 403
    assert client.get(reverse("dashboard:data")).status_code == 403


def test_agency_officer_sees_only_their_province(client):
    dataset.build()
    _client(client, official("120000"))
    body = client.get(reverse("dashboard:data"), {"province": "all"}).json()
    assert body["scope"] == "120000"
    assert body["figures"]["provinces"] == ["120000"]
    assert body["figures"]["talent"]["120000"]["requests"] == 4
    # another province is not to be had by asking
    body = client.get(reverse("dashboard:data"), {"province": "110000"}).json()
    assert body["figures"]["provinces"] == ["120000"]


def test_coordinator_defaults_to_their_province_and_may_see_all(client):
    dataset.build()
    _client(client, official("130000", coordinator=True))
    assert client.get(reverse("dashboard:data")).json()["figures"]["provinces"] == ["130000"]
    body = client.get(reverse("dashboard:data"), {"province": "all"}).json()
    assert body["figures"]["provinces"] == ["110000", "120000", "130000"]
    assert body["figures"]["transfer"]["110000"]["share_within"] == 0.5


def test_platform_admin_sees_all_three_regions(client):
    _client(client, UserFactory(roles=[Role.PLATFORM_ADMIN]))
    body = client.get(reverse("dashboard:data")).json()
    assert body["scope"] == "all"
    assert body["figures"]["provinces"] == ["110000", "120000", "130000"]


@pytest.mark.parametrize("scale", [1, 3])
def test_endpoint_runs_a_fixed_number_of_queries(client, django_assert_num_queries, scale):
    dataset.build(scale=scale)
    coordinator = official("110000", coordinator=True)
    _client(client, coordinator)
    cache.clear()
    with django_assert_num_queries(REQUEST_OVERHEAD + dashboard.QUERY_COUNT):
        response = client.get(reverse("dashboard:data"), {"province": "all"})
    assert response.status_code == 200
    # cached: the figures cost no query for a minute
    with django_assert_num_queries(REQUEST_OVERHEAD):
        client.get(reverse("dashboard:data"), {"province": "all"})


@pytest.mark.parametrize("scale", [1, 3])
def test_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, scale):
    dataset.build(scale=scale)
    _client(client, official("110000", coordinator=True))
    cache.clear()
    with django_assert_num_queries(PAGE_OVERHEAD + dashboard.QUERY_COUNT):
        response = client.get(reverse("dashboard:cockpit"), {"province": "all"})
    assert response.status_code == 200


def test_page_has_tables_charts_and_links_to_the_filtered_lists(client):
    dataset.build()
    _client(client, official("110000", coordinator=True))
    html = client.get(reverse("dashboard:cockpit"), {"province": "all"}).content.decode()
    for key in (
        "deadlines",
        "cooperation",
        "transfer",
        "talent",
        "vouchers",
        "voucher_flow",
        "referrals",
        "scoreboard",
    ):
        assert f'id="chart-{key}"' in html
        assert f'id="table-{key}"' in html
        assert f'id="export-{key}"' in html
    assert reverse("cooperation:application_list") + "?region=110000" in html
    assert reverse("vouchers:claims") + "?issuing_region=130000&amp;provider_region=110000" in html
    assert reverse("ip_enforcement:referral_list") + "?from_province=110000&amp;to_province=120000" in html
    assert reverse("transfer:deal_list") + "?seller_province=110000&amp;within_region=true" in html
    assert "vendor/echarts/echarts.min.js" in html
    assert reverse("dashboard:data") + "?province=all" in html


def test_the_linked_list_shows_the_counted_rows(client):
    dataset.build()
    coordinator = official("110000", coordinator=True)
    _client(client, coordinator)
    body = client.get(reverse("dashboard:data"), {"province": "all"}).json()
    flow = next(t for t in body["tables"] if t["key"] == "voucher_flow")
    link = flow["rows"][0][2]["link"]
    assert flow["rows"][0][2]["value"] == 2
    assert client.get(link).status_code == 200


def test_table_exports_to_excel_with_the_same_numbers(client):
    dataset.build()
    _client(client, official("110000", coordinator=True))
    body = client.get(reverse("dashboard:data"), {"province": "all"}).json()
    table = next(t for t in body["tables"] if t["key"] == "transfer")
    response = client.get(reverse("dashboard:export", args=["transfer"]), {"province": "all"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == table["columns"]
    assert rows[1:] == [[c["value"] for c in r] for r in table["rows"]]
    assert rows[1][5] == 2  # Beijing's deals
    assert client.get(reverse("dashboard:export", args=["nothing"])).status_code == 404


def test_enterprise_home_lists_my_records_and_tasks(client):
    objs = dataset.build()
    enterprise = objs["enterprise"]  # holds a Hebei voucher
    other = member("130000")
    _client(client, enterprise)
    html = client.get(reverse("dashboard:enterprise_home")).content.decode()
    assert objs["voucher"].code in html
    assert 'id="my-tasks"' in html and 'id="my-listings"' in html and 'id="my-joint-applications"' in html
    client.force_login(other)
    html = client.get(reverse("dashboard:enterprise_home")).content.decode()
    assert objs["voucher"].code not in html


def test_enterprise_home_shows_applications_and_listings_of_my_organization(client):
    objs = dataset.build()
    listing = objs["listing"]
    owner = UserFactory(organization=listing.owner, roles=[Role.ENTERPRISE_MEMBER])
    _client(client, owner)
    html = client.get(reverse("dashboard:enterprise_home")).content.decode()
    assert listing.title in html
    application = objs["application"]
    lead = UserFactory(organization=application.lead_organization, roles=[Role.ENTERPRISE_MEMBER])
    client.force_login(lead)
    assert application.title in client.get(reverse("dashboard:enterprise_home")).content.decode()


def test_navigation_links_officials_to_the_cockpit_and_members_home(client):
    _client(client, official("110000"))
    assert reverse("dashboard:cockpit") in client.get(reverse("portal:home")).content.decode()
    client.force_login(member("110000"))
    assert reverse("dashboard:enterprise_home") in client.get(reverse("portal:home")).content.decode()


def test_cockpit_speaks_chinese_by_default(client):
    _client(client, official("110000", coordinator=True))
    html = client.get(reverse("dashboard:cockpit"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "驾驶舱" in html
    assert "跨地区协作请求记分牌" in html


def test_beat_refreshes_the_figures_before_their_cache_runs_out(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["dashboard-refresh"]
    assert schedule["task"] == "portal.tasks.refresh_dashboard"
    assert schedule["schedule"] < dashboard.CACHE_SECONDS


@pytest.mark.celery_worker
def test_after_the_refresh_task_no_request_computes_the_figures(
    celery_worker, client, django_assert_num_queries
):
    dataset.build(scale=1)
    cache.clear()
    refresh_dashboard.delay()  # what beat sends every DASHBOARD_REFRESH_SECONDS
    wait_for(lambda: all(cache.get(dashboard.cache_key(p)) for p in dashboard.province_sets()), timeout=60)
    _client(client, official("120000", coordinator=True))
    for province in ("all", "110000", "120000", "130000"):
        with django_assert_num_queries(REQUEST_OVERHEAD):
            response = client.get(reverse("dashboard:data"), {"province": province})
        assert response.status_code == 200
        assert response.json()["figures"]["provinces"] == (
            list(dashboard.PROVINCES) if province == "all" else [province]
        )
