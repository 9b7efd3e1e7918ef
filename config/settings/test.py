"""Tests: real PostgreSQL and Redis, fast hashing, e-mail kept in memory."""

from .base import *  # noqa: F403
from .base import CACHES, env

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
