"""Tests: real PostgreSQL and Redis, fast hashing, e-mail kept in memory."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", "portal-test")
MEDIA_ROOT = BASE_DIR / ".data" / "test-media"  # noqa: F405
AXES_ENABLED = True
# The domain apps' suites sign users in with force_login; tests/security turns the second factor on.
OTP_REQUIRED = False
DEBUG = False

# Separate test databases (and Redis db numbers via REDIS_URL) let several test runs share one machine.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME", "test_portal")}  # noqa: F405


def _redis_db_of_xdist_process(url: str, worker: str) -> str:
    """REDIS_URL with the database number of one pytest-xdist process (gw0, gw1, …): the next ones after
    the run's own, so that a test's Celery worker never takes another process's tasks and one process's
    ``cache.clear()`` never empties another's cache (each process has its own test database already:
    pytest-django appends the process's name)."""
    parts = urlsplit(url)
    db = (int(parts.path.strip("/") or 0) + 1 + int(worker.removeprefix("gw"))) % 16
    return urlunsplit(parts._replace(path=f"/{db}"))


# `make test` runs the suite in one process per core (pytest-xdist). The number is chosen once, in
# the pytest process, and written back to the environment: the processes a test starts (its Celery
# worker, gunicorn) inherit that URL, or the one the test gives them, as it is.
if os.environ.get("PYTEST_XDIST_WORKER") and not os.environ.get("PORTAL_TEST_REDIS_OF_PROCESS"):
    REDIS_URL = _redis_db_of_xdist_process(REDIS_URL, os.environ["PYTEST_XDIST_WORKER"])
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["PORTAL_TEST_REDIS_OF_PROCESS"] = "1"
    CACHES["default"]["LOCATION"] = REDIS_URL
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)

# Every API answer of the suite is scanned for ID numbers shown in full to someone without the right
# (tests/idscan.py; a test that produced one fails).
MIDDLEWARE = [*MIDDLEWARE, "tests.idscan.IdNumberScanMiddleware"]  # noqa: F405

# A tiny app used only by the core's tests: one use of every shared mechanism (tests/testapp).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp.apps.TestAppConfig"]  # noqa: F405
ROOT_URLCONF = "tests.testapp.urls"
WHITENOISE_AUTOREFRESH = True  # no collected static folder in tests
OAUTH2_PROVIDER = {  # noqa: F405
    **OAUTH2_PROVIDER,  # noqa: F405
    "SCOPES": {**OAUTH2_PROVIDER["SCOPES"], "testapp:read": "Read tickets", "testapp:write": "Write tickets"},  # noqa: F405
}
# Every API answer of the suite is computed twice, by the serializers' planned representation and by
# DRF's own, and must be the same (portal/api/representation.py).
API_CHECK_REPRESENTATION = True
