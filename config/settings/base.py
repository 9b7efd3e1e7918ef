"""Settings shared by every mode. Everything that differs between machines comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from portal.api.schema import ModelChoiceEnumNames

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "dev-insecure-key-change-me-in-production-0123456789abcdef")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_celery_beat",
    "pgtrigger",
    "portal",
    "cooperation",
    "transfer",
    "talent",
    "vouchers",
    "ip_enforcement",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
    "portal.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.SessionTimeoutMiddleware",
    "portal.otp.OTPRequiredMiddleware",
    "portal.otp.PasswordExpiryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "portal.middleware.PublicPageThrottleMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    }
]
# Django's form templates, selects written in Python (a 200-option select took ~15 ms through them).
FORM_RENDERER = "portal.form_renderer.PortalFormRenderer"

# Databases and services: the run command fills these in for the embedded servers when unset.
DATABASE_URL = env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DATABASES["default"].setdefault("OPTIONS", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with date-times read by psycopg's C loader (portal/postgresql/base.py)
    DATABASES["default"]["ENGINE"] = "portal.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "portal"),
        "TIMEOUT": 300,
    }
}

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.backends.PortalModelBackend",
    # Sessions signed in before PortalModelBackend name Django's backend; listed so a deploy does not
    # sign everyone out mid-task. Sessions last SESSION_COOKIE_AGE (30 min): remove after the deploy.
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.validators.CharacterClassValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

# Two-factor sign-in (TOTP) for administrators, auditors and coordinators (portal.otp).
OTP_REQUIRED = env_bool("OTP_REQUIRED", True)
OTP_TOTP_ISSUER = "京津冀协同创新平台"
# Officials must change a password older than this many days (0: never expires).
PASSWORD_MAX_AGE_DAYS_OFFICIALS = int(env("PASSWORD_MAX_AGE_DAYS_OFFICIALS", "90"))

# Sessions: idle timeout 30 minutes (refreshed on each request), absolute age 12 hours.
SESSION_COOKIE_AGE = 30 * 60
# Not saved on every request: portal.middleware.SessionTimeoutMiddleware refreshes an active session
# once a minute, so the idle timeout holds (to within that minute, early) without a write per request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_ABSOLUTE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Login lockout: 5 failures within 15 minutes lock the account+address pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/lockout.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
MEDIA_URL = "/media-not-served/"  # attachments are only downloaded through permission-checked views

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "京津冀协同创新平台 <noreply@portal.invalid>")

# Uploads
ATTACHMENT_MAX_BYTES = int(env("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Celery
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Keep the worker's database connection across tasks (Celery's Django fixup closes it after each
# task otherwise): the outbox delivered 18 events/s without this and 58/s with it (bench/README.md).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Every periodic job of every app, in one place.
# The cockpit's figures: cached this long, recomputed by beat this often (below the cache time).
DASHBOARD_CACHE_SECONDS = 60
DASHBOARD_REFRESH_SECONDS = 45
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "portal.tasks.sweep_outbox", "schedule": 15.0},
    "deadlines-scan": {"task": "portal.tasks.scan_deadlines", "schedule": 300.0},
    "webhooks-retry": {"task": "portal.tasks.retry_due_webhooks", "schedule": 30.0},
    "dashboard-refresh": {
        "task": "portal.tasks.refresh_dashboard",
        "schedule": float(DASHBOARD_REFRESH_SECONDS),
        # a refresh still queued when the next is due is dropped, not piled up behind busy workers
        "options": {"expires": DASHBOARD_REFRESH_SECONDS - 5},
    },
    "transfer-expire-listings": {"task": "transfer.tasks.expire_listings", "schedule": 6 * 3600.0},
    "talent-tacit-recognition": {"task": "talent.tasks.tacit_recognition_task", "schedule": 3600.0},
    "vouchers-expire": {"task": "vouchers.expire_vouchers", "schedule": crontab(hour=0, minute=30)},
}

# Events one delivery task takes together (one transaction, set-based writes).
OUTBOX_BATCH_SIZE = int(env("OUTBOX_BATCH_SIZE", "200"))
# Outbox: an event not delivered this long after commit is picked up again by the sweeper.
OUTBOX_REDELIVER_AFTER = timedelta(seconds=int(env("OUTBOX_REDELIVER_AFTER_SECONDS", "30")))
WEBHOOK_MAX_ATTEMPTS = int(env("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_TIMEOUT_SECONDS = float(env("WEBHOOK_TIMEOUT_SECONDS", "10"))
DEADLINE_REMINDER_BEFORE = timedelta(days=int(env("DEADLINE_REMINDER_DAYS", "2")))

# Key for personal data encrypted at rest (ID and phone numbers). Development default only.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", "dev-only-field-key-not-for-production")
# Rotation: put the old key here (comma-separated), set the new one above, run `manage.py rotate_field_key`.
FIELD_ENCRYPTION_KEYS_PREVIOUS = env("FIELD_ENCRYPTION_KEYS_PREVIOUS", "")
# Key of the look-up hashes (portal.crypto.blind_index); empty means FIELD_ENCRYPTION_KEY. Keep it when
# rotating the encryption key: the registry stores only hashes, which cannot be recomputed.
FIELD_INDEX_KEY = env("FIELD_INDEX_KEY", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.permissions.PortalAPIPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "portal.api.filters.PortalFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "public_search": "120/min",
        "certificate_verification": "60/min",
    },
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
}
# The test settings compute every API answer twice, planned and DRF's own (portal/api/representation.py);
# defined here so the per-row check is a cached settings read, not a failed look-up.
API_CHECK_REPRESENTATION = False

# The public pages count in their API's throttle scope, one count per client for both (portal.throttling).
# No proxy in front in development: the client is the connection's address (production sets it).
TRUSTED_PROXY_COUNT = 0
PUBLIC_PAGE_THROTTLES = {"transfer:home": "public_search", "talent:verify": "certificate_verification"}

SPECTACULAR_SETTINGS = {
    "TITLE": "京津冀协同创新共同体 API",
    "DESCRIPTION": "Records of the Beijing-Tianjin-Hebei collaborative innovation portal, machine to machine.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Stable "<Model><Field>Enum" names for every model choice field (no clashes between apps).
    "ENUM_NAME_OVERRIDES": ModelChoiceEnumNames(),
}

OAUTH2_PROVIDER = {
    "SCOPES": {
        "read": _("Read records"),
        "write": _("Write records"),
        "portal:read": _("Read shared records"),
        "portal:write": _("Write shared records"),
        "cooperation:read": _("Read joint research"),
        "cooperation:write": _("Write joint research"),
        "transfer:read": _("Read technology transfer"),
        "transfer:write": _("Write technology transfer"),
        "talent:read": _("Read talent recognition"),
        "talent:write": _("Write talent recognition"),
        "vouchers:read": _("Read innovation vouchers"),
        "vouchers:write": _("Write innovation vouchers"),
        "ip_enforcement:read": _("Read IP enforcement"),
        "ip_enforcement:write": _("Write IP enforcement"),
    },
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "PKCE_REQUIRED": True,
    # RFC 9700 (OAuth 2.0 Security BCP): no implicit or password grant, S256 PKCE only, tokens only in
    # the Authorization header, the `iss` response parameter, tokens hashed at rest, refresh-token replay
    # revokes the family. (Production also requires https redirect URIs.)
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "portal.logging.RequestContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_context"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
