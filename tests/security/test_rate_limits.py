"""Rate limits: sign-in (django-axes, see test_authentication), the public listing search and the public
certificate verification, API and page alike: the N+1-th request within the window answers 429."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from portal.middleware import _parse_rate

pytestmark = pytest.mark.django_db


def limit(scope: str) -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


def hammer(get, n: int) -> list[int]:
    return [get().status_code for _ in range(n)]


def within_one_window(scope: str) -> None:
    """The pages count in fixed windows (portal.middleware.PublicPageThrottleMiddleware): requests
    that straddle a window's end are counted in two, so wait for the next window when less than ten
    seconds of this one are left (the N+1 requests take a second or two)."""
    period = _parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope])[1]
    left = period - time.time() % period
    if left < 10:
        time.sleep(left + 0.05)


def test_public_listing_search_api():
    n = limit("public_search")
    api = APIClient()
    codes = hammer(lambda: api.get("/api/v1/transfer/listings/search/", {"q": "电池"}), n + 1)
    assert set(codes[:n]) == {200} and codes[n] == 429
    # another address still searches
    other = APIClient(REMOTE_ADDR="10.1.2.3")
    assert other.get("/api/v1/transfer/listings/search/", {"q": "电池"}).status_code == 200


def test_public_listing_search_page(client):
    n = limit("public_search")
    within_one_window("public_search")
    codes = hammer(lambda: client.get("/transfer/", {"q": "电池"}), n + 1)
    assert set(codes[:n]) == {200} and codes[n] == 429
    last = client.get("/transfer/")
    assert last.status_code == 429 and int(last["Retry-After"]) > 0


def test_certificate_verification_api():
    n = limit("certificate_verification")
    api = APIClient()
    codes = hammer(
        lambda: api.get("/api/v1/talent/certificates/verify/", {"code": "JJJ-NOSUCHCODE00"}), n + 1
    )
    assert set(codes[:n]) == {404} and codes[n] == 429
    assert (
        api.post("/api/v1/talent/certificates/verify/", {"code": "JJJ-X"}, format="json").status_code == 429
    )


def test_certificate_verification_page(client):
    n = limit("certificate_verification")
    within_one_window("certificate_verification")
    codes = hammer(lambda: client.get("/talent/verify/", {"code": "JJJ-NOSUCHCODE00"}), n + 1)
    assert set(codes[:n]) == {404} and codes[n] == 429
