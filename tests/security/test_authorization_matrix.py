"""The authorization matrix over the demo data: every URL pattern of the project (pages and API, found
through django.urls' resolver) is requested as anonymous and as each role of a region other than
Beijing's (plus the security and audit administrators), and the answers are checked against the rules:

- nothing answers 500;
- anonymous visitors get the sign-in redirect, 401 or 403, except on the public pages and endpoints;
- a detail page or API record outside the user's scope (``portal.permissions.visible``) is never a 200;
- an API list holds only rows in the user's scope;
- no API list shows an ID number in full to anyone without the right to it (regex over the raw JSON,
  matched against the numbers actually stored, decrypted).
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver, resolve, reverse
from rest_framework.test import APIClient

from portal.models import User
from portal.permissions import visible
from tests.idscan import ID_RE, known_id_numbers, may_see_in_full

pytestmark = pytest.mark.django_db

SKIP_NAMESPACES = ("admin:", "oauth2_provider:", "djdt:")
SKIP_NAMES = {"set_language", "portal:logout", "api:api-root"}
# Open to anonymous visitors (their content is scoped to what the public may see).
PUBLIC = {
    "healthz",
    "schema",
    "api-docs",
    "portal:login",
    "transfer:home",
    "transfer:listing_detail",
    "transfer:base_list",
    "transfer:base_detail",
    "talent:verify",
    "api:region-list",
    "api:region-detail",
    "api:transfer-showcase-list",
    "api:transfer-showcase-detail",
    "transfer:showcase_list",
    "transfer:showcase_detail",
    "api:vouchers-programme-list",
    "api:vouchers-programme-detail",
    "api:vouchers-provider-list",
    "api:vouchers-provider-detail",
    "api:vouchers-service-list",
    "api:vouchers-service-detail",
    "api:transfer-listing-list",
    "api:transfer-listing-detail",
    "api:transfer-listing-search",
    "api:transfer-base-list",
    "api:transfer-base-detail",
    "api:talent-certificate-verify",
}
# Officials and members of Tianjin and Hebei (the data of all three regions is in the demo), and the
# security and audit administrators, who may see no business record at all.
ROLES = ["tj_coordinator", "tj_hr", "hb_ip", "hb_provider", "tj_expert", "security", "auditor"]
# answers that are the designed behaviour: /healthz is 503 while no Celery worker runs in the test
EXPECTED_5XX = {"healthz"}


def url_patterns():
    """(full name, kwargs names, view callback) of every named, non-format-suffix pattern."""

    def walk(patterns, ns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                inner = p.namespace
                yield from walk(p.url_patterns, f"{ns}:{inner}" if ns and inner else (inner or ns))
            elif p.name:
                name = f"{ns}:{p.name}" if ns else p.name
                pattern = p.pattern
                keys = list(getattr(pattern, "converters", {}) or {}) or list(pattern.regex.groupindex)
                yield name, keys, p.callback

    seen = set()
    for name, keys, callback in walk(get_resolver().url_patterns, None):
        if name in seen or name in SKIP_NAMES or name.startswith(SKIP_NAMESPACES) or "format" in keys:
            continue
        seen.add(name)
        yield name, keys, callback


def viewset_model(callback):
    cls = getattr(callback, "cls", None)
    qs = getattr(cls, "queryset", None)
    return qs.model if qs is not None else None


def hidden_pk(user, model):
    """A row of ``model`` the user may not see, if there is one."""
    try:
        shown = visible(user, model.objects.all()).values("pk")
        return model.objects.exclude(pk__in=shown).order_by("pk").values_list("pk", flat=True).first()
    except Exception:
        return None


def build_url(name, keys, pk):
    kwargs = {}
    for key in keys:
        kwargs[key] = (
            pk if key in ("pk", "id") or key.endswith("_pk") else ("submit" if key == "name" else "x")
        )
    try:
        return reverse(name, kwargs=kwargs)
    except Exception:
        kwargs = {k: (pk if isinstance(v, int) else 1) for k, v in kwargs.items()}
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def no_throttles(settings):
    """The rate limits have their own tests; here thousands of requests come from one address."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(rates, "100000/min"),
    }


@pytest.mark.slow
def test_authorization_matrix_over_the_demo_data(no_throttles):
    """One load of the demo data (about 10 s), then the three walks."""
    call_command("seed_demo", stdout=io.StringIO())
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    assert len(users) == len(ROLES)
    every_url_as_anonymous_and_as_other_regions_roles(users)
    pages_of_records_outside_the_scope_are_not_shown(users)
    no_api_list_shows_an_id_number_to_anyone_without_the_right()


def every_url_as_anonymous_and_as_other_regions_roles(demo_data):
    problems: list[str] = []
    patterns = list(url_patterns())
    assert len(patterns) > 100
    users = [AnonymousUser(), *demo_data.values()]
    for user in users:
        client = Client(raise_request_exception=False)
        if user.is_authenticated:
            client.force_login(user)
        who = user.username or "anonymous"
        for name, keys, callback in patterns:
            model = viewset_model(callback)
            pk = hidden_pk(user, model) if model is not None else None
            url = build_url(name, keys, pk if pk is not None else 1)
            resp = client.get(url, HTTP_ACCEPT="application/json" if url.startswith("/api/") else "text/html")
            code = resp.status_code
            if code >= 500 and name not in EXPECTED_5XX:
                problems.append(f"{who} GET {url} ({name}): {code}")
                continue
            if not user.is_authenticated and name not in PUBLIC and code not in (302, 401, 403, 404, 405):
                problems.append(f"anonymous GET {url} ({name}): {code}, expected sign-in or refusal")
            if (
                code == 302
                and not user.is_authenticated
                and name not in PUBLIC
                and "/accounts/login/" not in resp["Location"]
            ):
                problems.append(f"anonymous GET {url} ({name}): redirected to {resp['Location']}")
            if pk is not None and keys and code == 200:
                problems.append(f"{who} GET {url} ({name}): 200 for a row outside their scope")
            if model is not None and not keys and code == 200 and url.startswith("/api/"):
                body = resp.json()
                rows = body.get("results", body) if isinstance(body, dict) else body
                ids = {r["id"] for r in rows if isinstance(r, dict) and "id" in r}
                allowed = set(visible(user, model.objects.filter(pk__in=ids)).values_list("pk", flat=True))
                if ids - allowed:
                    problems.append(f"{who} GET {url}: rows {sorted(ids - allowed)[:5]} outside their scope")
    assert problems == [], "\n".join(problems[:60])


def pages_of_records_outside_the_scope_are_not_shown(demo_data):
    """Every record with a detail page of its own (get_absolute_url naming its pk) that a user may not
    see answers 404/403/redirect."""
    from django.apps import apps

    models = [
        m
        for app in ("cooperation", "transfer", "talent", "vouchers", "ip_enforcement")
        for m in apps.get_app_config(app).get_models()
        if hasattr(m, "get_absolute_url")
    ]
    assert models
    problems = []
    for user in demo_data.values():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for model in models:
            try:
                shown = visible(user, model.objects.all()).values("pk")
            except Exception:
                continue
            for obj in model.objects.exclude(pk__in=shown).order_by("pk")[:3]:
                url = obj.get_absolute_url()
                match = resolve(urlsplit(url).path)
                if match.kwargs.get("pk") != obj.pk:  # a list page, or the page of another record
                    continue
                code = client.get(url).status_code
                if code not in (302, 403, 404):
                    problems.append(f"{user.username} {model.__name__} {obj.pk}: {code}")
    assert problems == [], "\n".join(problems[:60])


def no_api_list_shows_an_id_number_to_anyone_without_the_right():
    numbers = known_id_numbers()
    assert numbers, "the demo data should hold ID numbers"
    users = list(
        User.objects.filter(is_active=True, username__regex=r"^(bj|tj|hb)_|^(security|auditor|admin)$")
    )
    lists = [
        (name, callback) for name, keys, callback in url_patterns() if name.startswith("api:") and not keys
    ]
    problems = []
    for user in users:
        client = APIClient()
        client.force_authenticate(user)
        for name, _callback in lists:
            resp = client.get(reverse(name), {"page_size": 200})
            if resp.status_code != 200:
                continue
            for match in set(ID_RE.findall(resp.content.decode())):
                records = numbers.get(match)
                if records and not any(may_see_in_full(user, r) for r in records):
                    problems.append(f"{user.username} {name}: {match[:6]}…{match[-4:]} in full")
    assert problems == [], "\n".join(problems[:60])
