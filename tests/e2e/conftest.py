"""Browser journeys: Playwright driving Debian's headless chromium against pytest-django's live server.

Each test gets a ``browser`` and signs users in with ``sign_in`` (one browser context per user, so
sessions never mix). When a test fails, a screenshot of every page it opened is saved in
test-artifacts/<test name>-<n>.png."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "Portal-demo-2026!"  # tests.factories.PASSWORD


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def _chromium(django_db_setup):
    """Playwright and chromium for one test.

    Playwright's sync API keeps an asyncio loop running in the test's thread while it is started, so
    Django's async-safety check is lifted for that time only (the test's own ORM calls, which make the
    data, are synchronous). Django's connections are context-local and the code after Playwright starts
    sees new connection objects: the serialized reference data that ``serialized_rollback`` restores is
    carried over to them (hence the test database is set up first)."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
            connections.close_all()  # the connections of this context, so none outlives the test
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Browser:
    """The test's browser: pages per signed-in user, all screenshotted if the test fails."""

    def __init__(self, chromium, base_url: str):
        self.chromium = chromium
        self.base_url = base_url
        self.contexts = []
        self.pages = []

    def page(self, *, locale: str = "zh-CN"):
        context = self.chromium.new_context(
            base_url=self.base_url, locale=locale, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        self.pages.append(page)
        return page

    def sign_in(self, user, *, locale: str = "zh-CN"):
        page = self.page(locale=locale)
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{user.username} could not sign in"
        return page

    def close(self, name: str, failed: bool) -> None:
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
            for n, page in enumerate(self.pages, start=1):
                with contextlib.suppress(Exception):  # a closed page has nothing to show
                    page.screenshot(path=str(ARTIFACTS / f"{safe}-{n}.png"), full_page=True)
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser(request, _chromium, live_server, django_db_serialized_rollback):
    """A browser on the live server. The reference data (regions, holidays) is restored after each
    test, since the live server needs committed data (a transactional database)."""
    b = Browser(_chromium, live_server.url)
    yield b
    rep = getattr(request.node, "rep_call", None)
    b.close(request.node.name, failed=bool(rep is None or rep.failed))


def submit_transition(page, name: str, reason: str | None = None, **fields: str) -> None:
    """Take a workflow step with the step's form (templates/includes/transitions.html and the apps'
    step forms carry ``<input type=hidden name=transition>``), filling its inputs, and wait for the
    next page. ``fields`` are input/select/textarea names and the values to enter."""
    form = page.locator(f"form.transition-form:has(input[name='transition'][value='{name}'])").first
    if reason is not None:
        fields["reason"] = reason
    for field, value in fields.items():
        control = form.locator(f"[name='{field}']")
        if control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


# The worker of tests/dashboard (it loads portal.export_tasks), for the background-export journey.
from tests.dashboard.conftest import celery_worker  # noqa: E402, F401
