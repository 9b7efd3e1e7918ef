"""Rate limits: sign-in (django-axes, see test_authentication), the public listing search and the public
certificate verification, API and page alike and counted together (portal.throttling): the N+1-th
request of a client within the window answers 429, whatever forwarded address it sends."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from portal.throttling import rate_of

pytestmark = pytest.mark.django_db


def limit(scope: str) -> int:
    return rate_of(scope)[0]


def hammer(get, n: int) -> list[int]:
    return [get().status_code for _ in range(n)]


def within_one_window(scope: str) -> None:
    """The counts are per fixed window (portal.throttling): requests that straddle a window's end are
    counted in two, so wait for the next window when less than ten seconds of this one are left (the
    N+1 requests take a second or two)."""
    period = rate_of(scope)[1]
    left = period - time.time() % period
    if left < 10:
        time.sleep(left + 0.05)


def test_public_listing_search_api():
    n = limit("public_search")
    within_one_window("public_search")
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
    assert "请求过于频繁" in client.get("/transfer/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_certificate_verification_api():
    n = limit("certificate_verification")
    within_one_window("certificate_verification")
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


@pytest.mark.parametrize("proxies", [0, 1], ids=["no proxy", "behind the proxy"])
def test_a_made_up_forwarded_address_per_request_is_still_counted_as_the_client(settings, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    n = limit("public_search")
    within_one_window("public_search")
    api = APIClient()
    codes = [
        api.get(
            "/api/v1/transfer/listings/search/",
            {"q": "电池"},
            # what the client made up, then (behind the proxy) the address the proxy saw
            HTTP_X_FORWARDED_FOR=f"10.9.{i // 250}.{i % 250}" + (", 203.0.113.9" if proxies else ""),
        ).status_code
        for i in range(n + 1)
    ]
    assert set(codes[:n]) == {200} and codes[n] == 429


def test_the_page_and_the_api_take_from_one_count(client):
    n = limit("certificate_verification")
    within_one_window("certificate_verification")
    half = n // 2
    page = hammer(lambda: client.get("/talent/verify/", {"code": "JJJ-NOSUCHCODE00"}), half)
    api = hammer(
        lambda: APIClient().get("/api/v1/talent/certificates/verify/", {"code": "JJJ-NOSUCHCODE00"}),
        n - half + 1,
    )
    assert set(page) == {404} and set(api[:-1]) == {404} and api[-1] == 429


def test_a_signed_in_user_is_counted_apart_from_others_at_the_same_address(client):
    from tests.factories import member

    n = limit("certificate_verification")
    within_one_window("certificate_verification")
    hammer(lambda: APIClient().get("/api/v1/talent/certificates/verify/", {"code": "JJJ-X"}), n + 1)
    assert APIClient().get("/api/v1/talent/certificates/verify/", {"code": "JJJ-X"}).status_code == 429
    client.force_login(member("110000"))
    assert client.get("/talent/verify/", {"code": "JJJ-NOSUCHCODE00"}).status_code == 404


def test_behind_the_proxy_the_client_is_the_address_the_proxy_saw(rf, settings):
    from portal.middleware import client_ip

    def ip(forwarded=None):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", **extra))

    settings.TRUSTED_PROXY_COUNT = 1
    assert ip("1.2.3.4, 203.0.113.9") == "203.0.113.9"  # the proxy appended what it saw
    assert ip("203.0.113.9") == "203.0.113.9"
    assert ip() == "10.0.0.2" and ip("1.2.3.4,") == "10.0.0.2"  # not through the proxy, or malformed
    settings.TRUSTED_PROXY_COUNT = 2  # a CDN, then the load balancer
    assert ip("1.2.3.4, 198.51.100.7, 203.0.113.9") == "198.51.100.7"
    assert ip("203.0.113.9") == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 0  # no proxy: a forwarded header is the client's own words
    assert ip("1.2.3.4, 203.0.113.9") == "10.0.0.2"


def test_a_signed_in_caller_of_the_search_api_is_counted_per_user():
    from tests.factories import member

    n = limit("public_search")
    within_one_window("public_search")
    api = APIClient()
    api.force_authenticate(member("110000"))
    codes = hammer(lambda: api.get("/api/v1/transfer/listings/search/", {"q": "电池"}), n + 1)
    assert set(codes[:n]) == {200} and codes[n] == 429
    assert APIClient().get("/api/v1/transfer/listings/search/", {"q": "电池"}).status_code == 200


def test_the_api_list_looking_words_up_counts_as_the_search():
    n = limit("public_search")
    within_one_window("public_search")
    api = APIClient()
    hammer(lambda: api.get("/api/v1/transfer/listings/search/", {"q": "电池"}), n)
    assert api.get("/api/v1/transfer/listings/", {"q": "电池"}).status_code == 429
    assert api.get("/api/v1/transfer/listings/").status_code == 200  # no words: a plain list


def test_a_scope_without_a_rate_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured
    from django.test import RequestFactory

    from portal.throttling import ScopeThrottle

    class Unrated(ScopeThrottle):
        scope = "no_such_scope"

    with pytest.raises(ImproperlyConfigured):
        Unrated().allow_request(RequestFactory().get("/"), view=None)


def test_with_the_cache_down_the_public_pages_and_api_are_served(settings, client):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert client.get("/talent/verify/", {"code": "JJJ-NOSUCHCODE00"}).status_code == 404
    assert APIClient().get("/api/v1/transfer/listings/search/", {"q": "电池"}).status_code == 200
