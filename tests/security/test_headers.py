"""Production settings: ``manage.py check --deploy`` has nothing to say, and a page served with them carries
HSTS, CSP, Referrer-Policy, nosniff and frame denial (checked in a process running the production
settings, as gunicorn would)."""

from __future__ import annotations

import json

from tests.portal.test_settings import production_env, run

PROBE = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
plain = client.get("/accounts/login/", HTTP_HOST="portal.example.gov.cn")
resp = client.get("/accounts/login/", secure=True, HTTP_HOST="portal.example.gov.cn")
print(json.dumps({"plain": [plain.status_code, plain.get("Location", "")], "status": resp.status_code,
                  "headers": dict(resp.items()), "cookies": {k: dict(v) for k, v in resp.cookies.items()}}))
"""


def test_check_deploy_has_no_warnings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_security_headers_in_production():
    result = run(["-c", PROBE], production_env())
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["plain"] == [301, "https://portal.example.gov.cn/accounts/login/"]  # HTTP goes to HTTPS
    assert answer["status"] == 200
    headers = {k.lower(): v for k, v in answer["headers"].items()}
    hsts = headers["strict-transport-security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "http:" not in csp and "https:" not in csp and "*" not in csp  # no external origin
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    csrf = answer["cookies"]["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"
