"""Settings load in development and production modes; production refuses to start without secrets and
passes ``manage.py check --deploy`` with no warnings."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'lang': s.LANGUAGE_CODE, 'langs': [c for c, _ in s.LANGUAGES], "
    "'tz': s.TIME_ZONE, 'use_tz': s.USE_TZ, 'db': s.DATABASES['default']['NAME'], "
    "'db_port': s.DATABASES['default']['PORT'], 'redis': s.REDIS_URL, 'broker': s.CELERY_BROKER_URL, "
    "'hosts': s.ALLOWED_HOSTS, 'email': s.EMAIL_BACKEND, 'secure_cookie': s.SESSION_COOKIE_SECURE, "
    "'static': s.STORAGES['staticfiles']['BACKEND']}))"
)


def production_env(**extra) -> dict:
    # (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it)
    dropped = ("DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="portal.example.gov.cn",
        DATABASE_URL="postgres://portal:secret@db.internal:5432/portal",
        REDIS_URL="redis://redis.internal:6379/0",
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def probe(env: dict) -> dict:
    result = run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_development_settings_load_from_environment():
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL="postgres://someone@127.0.0.1:6543/elsewhere",
        REDIS_URL="redis://127.0.0.1:6390/3",
    )
    env.pop("DEBUG", None)
    values = probe(env)
    assert values["debug"] is True
    assert values["lang"] == "zh-hans" and "en" in values["langs"]
    assert values["tz"] == "Asia/Shanghai" and values["use_tz"] is True
    assert (values["db"], values["db_port"]) == ("elsewhere", 6543)
    assert values["redis"] == values["broker"] == "redis://127.0.0.1:6390/3"
    assert values["static"].startswith("whitenoise.")


def test_production_settings_load():
    values = probe(production_env())
    assert values["debug"] is False
    assert values["hosts"] == ["portal.example.gov.cn"]
    assert values["db"] == "portal"
    assert values["redis"] == "redis://redis.internal:6379/0"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["secure_cookie"] is True


def test_production_passes_check_deploy_without_warnings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_development_key_and_missing_hosts():
    result = run(["manage.py", "check"], production_env(SECRET_KEY="dev-insecure-key-change-me-" + "x" * 40))
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    result = run(["manage.py", "check"], production_env(ALLOWED_HOSTS=""))
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


def test_each_parallel_test_process_has_a_redis_database_of_its_own():
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from config.settings.test import _redis_db_of_xdist_process as shifted

    assert shifted("redis://127.0.0.1:6379/0", "gw0") == "redis://127.0.0.1:6379/1"
    assert shifted("redis://127.0.0.1:6379/3", "gw1") == "redis://127.0.0.1:6379/5"
    assert shifted("redis://127.0.0.1:6379", "gw0") == "redis://127.0.0.1:6379/1"
    with pytest.raises(ImproperlyConfigured):
        shifted("redis://127.0.0.1:6379/14", "gw1")  # would wrap round to the run's db 0
