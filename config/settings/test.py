"""Tests: real PostgreSQL and Redis, fast hashing, e-mail kept in memory."""

import os
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, CELERY_BROKER_URL, CELERY_RESULT_BACKEND, REDIS_URL, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", "portal-test")
MEDIA_ROOT = BASE_DIR / ".data" / "test-media"  # noqa: F405
AXES_ENABLED = True
# The domain apps' suites sign users in with force_login; tests/security turns the second factor on.
OTP_REQUIRED = False
DEBUG = False

# Separate test databases (and Redis db numbers via REDIS_URL) let several test runs share one machine;
# with pytest-xdist a run takes the Redis databases after its own, one per process (below).
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME", "test_portal")}  # noqa: F405


def _redis_db_of_xdist_process(url: str, worker: str) -> str:
    """``url`` with the database number of one pytest-xdist process (gw0, gw1, …): the next ones after
    the run's own, so that a test's Celery worker never takes another process's tasks and one process's
    ``cache.clear()`` never empties another's cache (each process has its own test database already:
    pytest-django appends the process's name)."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return url
    db = int(parts.path.strip("/") or 0) + 1 + int(worker.removeprefix("gw"))
    if db > 15:  # Redis has 16 by default; wrapping round would share db 0 with `make run`
        raise ImproperlyConfigured(
            f"{url}: test process {worker} would need Redis database {db}; start from a lower number"
        )
    return urlunsplit(parts._replace(path=f"/{db}"))


# `make test` runs the suite in one process per CPU (pytest-xdist). The numbers are chosen once, in
# the pytest process, and written back to the environment: the processes a test starts (its Celery
# worker, gunicorn) inherit those URLs, or the ones the test gives them, as they are.
if os.environ.get("PYTEST_XDIST_WORKER") and not os.environ.get("PORTAL_TEST_REDIS_OF_PROCESS"):
    _worker = os.environ["PYTEST_XDIST_WORKER"]
    REDIS_URL = _redis_db_of_xdist_process(REDIS_URL, _worker)
    CACHES["default"]["LOCATION"] = REDIS_URL
    os.environ["REDIS_URL"] = REDIS_URL
    # a broker or result store named apart from REDIS_URL gets its own number the same way
    CELERY_BROKER_URL = _redis_db_of_xdist_process(CELERY_BROKER_URL, _worker)
    CELERY_RESULT_BACKEND = _redis_db_of_xdist_process(CELERY_RESULT_BACKEND, _worker)
    for _name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        if _name in os.environ:
            os.environ[_name] = globals()[_name]
    os.environ["PORTAL_TEST_REDIS_OF_PROCESS"] = "1"

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
