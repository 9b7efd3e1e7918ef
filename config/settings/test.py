"""Tests: real PostgreSQL and Redis, fast hashing, e-mail kept in memory."""

from .base import *  # noqa: F403
from .base import CACHES, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", "portal-test")
MEDIA_ROOT = BASE_DIR / ".data" / "test-media"  # noqa: F405
AXES_ENABLED = True
DEBUG = False

# Separate test databases (and Redis db numbers via REDIS_URL) let several test runs share one machine.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME", "test_portal")}  # noqa: F405
