"""Settings of the gunicorn the API fuzzing test starts: the test settings (test URLconf with the
tiny test app, the test database named by DATABASE_URL), with the rate limits lifted, since every
request of a fuzzing run comes from one address and the limits have their own tests."""

from config.settings.test import *  # noqa: F403
from config.settings.test import REST_FRAMEWORK

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min"),
}
PUBLIC_PAGE_THROTTLES: dict[str, str] = {}
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
