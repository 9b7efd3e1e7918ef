"""Schemathesis against the live OpenAPI schema on loopback: every operation, anonymously and as a
partner system with an OAuth2 client-credentials token (read and write scopes). No response may be a
server error, and every documented response must conform to the schema (status, content type, body).
Bounded for CI: a few examples per operation and a time budget per run.

The portal is served by gunicorn, as in production, not by Django's development server: that one
(Python's http.server) answers a request line it cannot parse with an HTTP/0.9 error body and no
status line, which the fuzzer then reports as a broken connection that production never shows."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

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


@pytest.fixture
def gunicorn_url(settings, tmp_path) -> Iterator[str]:
    """gunicorn on a free loopback port, on this test's database (whose rows the test commits); ready when
    the sign-in page answers (/healthz would also wait for a Celery worker, which fuzzing does not need)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = settings.DATABASES["default"]
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    database_url = f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.security.fuzz_settings", DATABASE_URL=database_url)
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115
    root = Path(__file__).resolve().parents[2]
    cmd = [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application"]
    cmd += ["-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "60", "--graceful-timeout", "3"]
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/accounts/login/", timeout=5):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (
                    tmp_path / "gunicorn.log"
                ).read_text()
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_schemathesis_anonymous_and_partner(gunicorn_url, tmp_path, django_db_serialized_rollback):
    member("110000")
    official("120000")
    token = partner_token()
    failures = []
    for label, headers in (("anonymous", ()), ("partner", (f"Authorization: Bearer {token}",))):
        result = fuzz(gunicorn_url, *headers, tmp_path=tmp_path, label=label)
        if result.returncode != 0:
            failures.append(
                f"--- {label} (exit {result.returncode})\n{result.stdout[:8000]}\n…\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
            )
    assert not failures, "\n".join(failures)
