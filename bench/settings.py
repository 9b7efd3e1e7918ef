"""Production-like settings for the benchmark: DEBUG off, the production middleware and session
rules, served over plain HTTP on loopback (no TLS redirect, no Secure cookies), with the bench-only
URLconf that adds the baseline views. The public throttles are lifted, since every request of a
load run comes from one address; everything else is as in production."""

import warnings

from config.settings.base import *  # noqa: F403
from config.settings.base import REST_FRAMEWORK, env

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Outbox e-mail goes nowhere (no mail server on a bench machine); the inbox and webhooks are real.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    # Every scope still counts in the cache (the same Redis round trips), at a rate a load run never reaches.
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(
        {*REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), "public_search", "certificate_verification"},
        "100000000/min",
    ),
}
# Axes: the runner signs in the benchmark users a few times; never lock them out.
AXES_FAILURE_LIMIT = 1000
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No collected static folder on a bench machine: WhiteNoise's warning about it is noise here.
warnings.filterwarnings("ignore", message="No directory at")
