"""The language switch, a form with bad input showing the field's error, and the cockpit's charts."""

import pytest
from django.utils import timezone

from tests.dashboard import dataset
from tests.factories import member, official

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_language_switch(browser):
    user = member("110000")
    page = browser.sign_in(user)  # a Chinese browser: the portal answers in Chinese
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#lang-switch").inner_text().strip() == "English"
    with page.expect_navigation():
        page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#lang-switch").inner_text().strip() == "中文"
    assert "Sign out" in page.locator("nav").inner_text()
    page.goto("/transfer/")  # the choice sticks across pages
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_form_with_bad_input_shows_the_field_error(browser):
    user = member("110000")
    page = browser.sign_in(user, locale="en-US")
    page.goto("/transfer/listings/new/")
    page.select_option("#id_kind", "supply")
    page.fill("#id_title", "工业互联网边缘网关软件")
    page.fill("#id_summary", "边缘计算网关")
    page.fill("#id_description", "支持多协议接入的边缘网关软件。")
    page.fill("#id_trl", "12")  # out of 1–9
    page.fill("#id_contact_name", "赵工")
    page.fill("#id_contact_phone", "13600003333")
    page.fill("#id_expires_on", (timezone.localdate() + timezone.timedelta(days=60)).isoformat())
    with page.expect_navigation():
        page.click("button[name=save]")
    error = page.locator('.invalid-feedback[data-field="trl"]')
    assert error.is_visible()
    assert "9" in error.inner_text()
    # what was typed is kept
    assert page.input_value("#id_title") == "工业互联网边缘网关软件"
    # fixing the field saves the draft
    page.fill("#id_trl", "7")
    page.select_option("#id_result_type", "software_copyright")
    page.check("#id_negotiable")
    with page.expect_navigation():
        page.click("button[name=save]")
    assert "/transfer/listings/" in page.url and "/new/" not in page.url
    assert page.locator("h1").inner_text().startswith("工业互联网边缘网关软件")


def test_cockpit_draws_charts_with_tables(browser):
    dataset.build()
    coordinator = official("110000", coordinator=True)
    page = browser.sign_in(coordinator, locale="en-US")
    page.click("#nav-dashboard")
    page.wait_for_selector("#cockpit[data-loaded='1']")
    for key in (
        "deadlines",
        "cooperation",
        "transfer",
        "talent",
        "vouchers",
        "voucher_flow",
        "referrals",
        "scoreboard",
    ):
        assert page.locator(f"#chart-{key}[data-rendered='1'] canvas").count() == 1
    page.select_option("#province", "all")
    with page.expect_navigation():
        page.click("#scope-show")
    page.wait_for_selector("#cockpit[data-loaded='1']")
    row = page.locator("#table-transfer tbody tr").first
    assert row.locator("td").nth(0).inner_text() == "Beijing"
    assert row.locator("td").nth(5).inner_text() == "2"
    with page.expect_download() as download:
        page.click("#export-transfer")
    assert download.value.suggested_filename.endswith(".xlsx")
    # a figure opens the filtered list behind it
    with page.expect_navigation():
        page.locator("#table-referrals tbody tr").first.locator("a").click()
    assert "from_province=110000" in page.url and "to_province=120000" in page.url


@pytest.mark.celery_worker
def test_background_export_progress_bar_and_inbox_link(browser, celery_worker):
    """A large export runs in the worker; the page's progress bar (htmx polling) reaches 100 %, the
    download link appears, and the inbox holds the same link."""
    dataset.build()
    officer = official("130000")
    page = browser.sign_in(officer, locale="en-US")
    page.goto("/dashboard/")
    page.select_option("#export_key", "vouchers.claims")
    with page.expect_navigation():
        page.click("#export-job-form button[type=submit]")
    page.wait_for_selector("#export-progress[data-status='done']", timeout=60_000)
    assert page.locator(".progress-bar").inner_text().strip() == "100%"
    with page.expect_download() as download:
        page.click("#export-download")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto("/inbox/")
    note = page.locator("form[action*='/inbox/'][action$='/open/'] button")
    for _attempt in range(20):  # the worker delivers the notification just after the export
        if note.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    assert "Voucher claims" in note.first.inner_text()
    with page.expect_download() as again:  # opening the notification follows its link: the file
        note.first.click()
    assert again.value.suggested_filename == download.value.suggested_filename
