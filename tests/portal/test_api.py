"""API conventions: Idempotency-Key, OAuth2 client credentials with per-app scopes, the OpenAPI schema
and the local interactive docs."""

import re

import pytest
from django.core.management import call_command
from oauth2_provider.models import Application
from rest_framework.test import APIClient

from portal.models import IdempotencyRecord, Role
from tests.conftest import api_as
from tests.factories import UserFactory, member
from tests.testapp.models import Ticket

URL = "/api/v1/testapp/tickets/"


@pytest.mark.django_db
def test_idempotent_post(applicant):
    client = api_as(applicant)
    first = client.post(URL, {"title": "一号"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, {"title": "一号"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Ticket.objects.count() == 1
    other = client.post(URL, {"title": "二号"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_mismatch"
    assert Ticket.objects.count() == 1
    # keys belong to one user: another user's same key is a new request
    other_user = member("110000")
    assert (
        api_as(other_user).post(URL, {"title": "一号"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code
        == 201
    )
    assert Ticket.objects.count() == 2
    # a refused request's answer is replayed too, without acting
    bad = client.post(URL, {"title": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert bad.status_code == 400
    assert client.post(URL, {"title": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-2").content == bad.content
    assert IdempotencyRecord.objects.filter(user=applicant).count() == 2


def _token(app: Application, secret: str, scope: str) -> str:
    resp = APIClient().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": scope},
        HTTP_AUTHORIZATION="Basic "
        + __import__("base64").b64encode(f"{app.client_id}:{secret}".encode()).decode(),
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["scope"] == scope
    return resp.json()["access_token"]


@pytest.mark.django_db
def test_partner_system_with_client_credentials(ticket, bj_agency):
    system = UserFactory(organization=bj_agency, roles=[Role.PARTNER_SYSTEM, Role.AGENCY_OFFICER])
    secret = "s3cret-partner-secret-0123456789"
    app = Application.objects.create(
        name="天津知识产权局系统",
        user=system,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
    )
    for scope in ("testapp:read", "read"):
        client = APIClient(HTTP_AUTHORIZATION=f"Bearer {_token(app, secret, scope)}")
        resp = client.get(URL)
        assert resp.status_code == 200
        assert [r["id"] for r in resp.json()["results"]] == [ticket.pk]
        write = client.post(URL, {"title": "x"}, format="json")
        assert write.status_code == 403
        assert write.json()["error"]["code"] == "permission_denied"
    # the scope of one app does not open another's
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {_token(app, secret, 'portal:read')}")
    assert client.get(URL).status_code == 403
    assert client.get("/api/v1/organizations/").status_code == 200
    bad = APIClient(HTTP_AUTHORIZATION="Bearer not-a-token").get(URL)
    assert bad.status_code == 403 and bad.json()["error"]["code"] == "not_authenticated"
    # a client-credentials application whose account is not a partner system is refused
    plain = UserFactory(organization=bj_agency, roles=[Role.AGENCY_OFFICER])
    app2 = Application.objects.create(
        name="x",
        user=plain,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
    )
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {_token(app2, secret, 'read')}").get(URL).status_code in (
        401,
        403,
    )


@pytest.mark.django_db
def test_errors_and_pagination_follow_the_one_format(applicant):
    for i in range(3):
        Ticket.objects.create(
            title=f"t{i}", organization=applicant.organization, province_id=applicant.organization.province_id
        )
    client = api_as(applicant)
    page = client.get(URL, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"] and page["previous"] is None
    rest = client.get(page["next"]).json()
    assert len(rest["results"]) == 1 and rest["next"] is None
    anonymous = APIClient().get(URL)
    assert anonymous.status_code == 403 and anonymous.json()["error"]["code"] == "not_authenticated"
    missing = client.get(f"{URL}999999/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_openapi_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/testapp/tickets/{id}/transition/{transition}/" in text
    assert "Idempotency-Key" in text


@pytest.mark.django_db
def test_api_docs_render_with_no_external_request(client, applicant):
    client.force_login(applicant)
    resp = client.get("/api/docs/")
    assert resp.status_code == 200
    html = resp.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert urls, html
    assert not [u for u in urls if re.match(r"^(https?:)?//", u)], urls
    assert "cdn" not in html.lower()
    assert client.get("/api/schema/").status_code == 200
