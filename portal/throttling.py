"""Request rates: one counter per scope and client, which the API's throttles and the public pages'
middleware both take from.

A scope's rate is ``settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]`` (``"120/min"``). A
client is the signed-in user, else the address ``portal.middleware.client_ip`` gives (the one the
audit trail records). DRF's own throttles took the address from whatever ``X-Forwarded-For`` the client
sent, so a new made-up address per request was never limited; and they keep each client's request
times as one cache value, read and written back, so concurrent requests lost counts. Here the count is
one atomic increment in the shared cache per fixed window, so every web process agrees. When the cache
is down the request is served and the error logged: the rate limits protect the portal, they are not
worth refusing every visitor for.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

from .middleware import client_ip

__all__ = ["parse_rate", "rate_of", "take", "ScopeThrottle"]

log = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"120/min"`` → (120, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0]]


def rate_of(scope: str) -> tuple[int, int] | None:
    """The scope's (requests, seconds), or None when the settings give it no rate."""
    rate = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(scope)
    return parse_rate(rate) if rate else None


def _client(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def take(scope: str, request) -> int | None:
    """Count this request of its client in ``scope``. None when it is within the rate (or the scope has
    none); else the seconds until the window ends, for ``Retry-After``. The N+1-th request within a
    window is refused; a burst across a window's end may get up to 2N."""
    rate = rate_of(scope)
    if rate is None:
        return None
    limit, period = rate
    now = time.time()
    key = f"throttle:{scope}:{_client(request)}:{int(now // period)}"
    try:
        cache.add(key, 0, period + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, period + 5)
            count = 1
    except (RedisError, OSError):  # the cache is down: serve the request rather than fail it, and say so
        log.exception("rate limit %s not counted: the cache is unavailable", scope)
        return None
    if count <= limit:
        return None
    return int(period - now % period) + 1


class ScopeThrottle(BaseThrottle):
    """The API's throttle: the class's ``scope``, else the view's ``throttle_scope``. A scope with no
    rate in the settings is a configuration error (as DRF's scoped throttle has it), not a silent
    absence of the limit."""

    scope: str = ""
    _wait: int | None = None

    def allow_request(self, request, view) -> bool:
        scope = self.scope or getattr(view, "throttle_scope", "")
        if rate_of(scope) is None:
            raise ImproperlyConfigured(f"No rate for the throttle scope {scope!r} in DEFAULT_THROTTLE_RATES.")
        self._wait = take(scope, request)
        return self._wait is None

    def wait(self) -> int | None:
        return self._wait
