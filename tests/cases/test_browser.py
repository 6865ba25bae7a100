"""Real browser on a real server: a prosecutor files a case through the form and reads it."""

from typing import Any

import pytest
from django.db import connection

from cases.models import Case
from tests.accounts.helpers import (
    PASSWORD,
    create_user,
    launch_chromium,
    login_browser,
    totp_secret,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_file_a_case_through_the_form(live_server: Any) -> None:
    from playwright.sync_api import sync_playwright

    secret = totp_secret(create_user("br.p1", "prosecutor", "cyber"))
    # No ORM inside the browser part: Playwright's sync API runs an event loop in this
    # thread, where Django would open a second connection. The server has its own threads.
    connection.close()
    with sync_playwright() as playwright:
        text = _file_case(playwright, live_server.url, secret)
    assert "+37369123456" in text and "xn--e1afmkfd.md" in text
    case = Case.objects.get()
    assert (case.offence_article, case.created_by.username) == ("220/1", "br.p1")


def _file_case(playwright: Any, base: str, secret: str) -> str:
    browser = launch_chromium(playwright)
    try:
        page = browser.new_page()
        login_browser(page, base, "br.p1", PASSWORD, secret)
        page.goto(f"{base}/cases/new/")
        page.fill("input[name=title]", "Вербовка веб-моделей")
        page.fill("textarea[name=summary]", "Объявления в Telegram")
        values = page.eval_on_selector_all("#id_offence option", "os => os.map(o => o.value)")
        page.select_option("#id_offence", value=next(v for v in values if v.endswith("|220/1|1")))
        page.check("#fact-adult_victim")
        page.check("#fact-online")
        page.check("input[name=urgency][value=urgent]")
        page.check("input[name=handling][value=H0]")
        page.fill("textarea[name=indicators]", "phone: +373 69 123 456\ndomain: Пример.MD")
        page.click("#case-form button[type=submit]")
        page.wait_for_url("**/cases/*/")
        assert page.get_by_role("heading", name="Индикаторы").is_visible()
        return str(page.inner_text("main"))
    finally:
        browser.close()
