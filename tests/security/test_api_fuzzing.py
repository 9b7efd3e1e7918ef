"""Schemathesis against the live OpenAPI schema on loopback: every operation, anonymously and as a
partner system with an OAuth2 client-credentials token (read and write scopes). No response may be a
server error, and every documented response must conform to the schema (status, content type, body).
Bounded for CI: a few examples per operation and a time budget per run."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from oauth2_provider.models import Application
from rest_framework.test import APIClient

from portal.models import OrganizationKind, Role
from tests.factories import OrganizationFactory, UserFactory, member, official

CHECKS = "not_a_server_error,content_type_conformance,response_schema_conformance"
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "3")
MAX_TIME = os.environ.get("FUZZ_MAX_SECONDS", "50")


def partner_token() -> str:
    org = OrganizationFactory(kind=OrganizationKind.AGENCY, agency_domain="intellectual_property")
    system = UserFactory(organization=org, roles=[Role.PARTNER_SYSTEM, Role.AGENCY_OFFICER])
    secret = "fuzz-partner-secret-0123456789abcdef"
    app = Application.objects.create(
        name="fuzz partner",
        user=system,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
    )
    basic = base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()
    resp = APIClient().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "read write"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert resp.status_code == 200, resp.content
    return resp.json()["access_token"]


def fuzz(base_url: str, *headers: str, tmp_path: Path, label: str) -> subprocess.CompletedProcess:
    args = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/api/schema/",
        "--checks",
        CHECKS,
        "--max-examples",
        MAX_EXAMPLES,
        "--max-time",
        MAX_TIME,
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",  # hypothesis' lambda descriptions are not thread-safe in the coverage phase
        "--seed",
        "20260101",
        "--no-shrink",
        "--generation-database",
        "none",  # nothing written into the checkout
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path / label),
    ]
    for header in headers:
        args += ["-H", header]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="", NO_COLOR="1")
    # run in tmp_path: schemathesis keeps a cache in its working directory
    return subprocess.run(
        args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=int(MAX_TIME) + 120
    )


@pytest.mark.django_db(transaction=True)
def test_schemathesis_anonymous_and_partner(
    live_server, settings, tmp_path, django_db_serialized_rollback, monkeypatch
):
    from rest_framework.throttling import SimpleRateThrottle

    settings.PUBLIC_PAGE_THROTTLES = {}
    rates = dict.fromkeys(SimpleRateThrottle.THROTTLE_RATES, "100000/min")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    member("110000")
    official("120000")
    token = partner_token()
    failures = []
    for label, headers in (("anonymous", ()), ("partner", (f"Authorization: Bearer {token}",))):
        result = fuzz(live_server.url, *headers, tmp_path=tmp_path, label=label)
        if result.returncode != 0:
            failures.append(
                f"--- {label} (exit {result.returncode})\n{result.stdout[:8000]}\n…\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
            )
    assert not failures, "\n".join(failures)
