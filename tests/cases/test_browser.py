"""Real browser on a real server: a prosecutor files a case through the form and reads it."""

from typing import Any

import pytest

from cases.models import Case
from tests.accounts.helpers import (
    PASSWORD,
    create_user,
    launch_chromium,
    login_browser,
    totp_secret,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def playwright_sync(monkeypatch: pytest.MonkeyPatch) -> Any:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM is used only
    # before and after the browser part, and the server runs in its own thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    with sync_playwright() as playwright:
        yield playwright


def test_file_a_case_through_the_form(live_server: Any, playwright_sync: Any) -> None:
    secret = totp_secret(create_user("br.p1", "prosecutor", "cyber"))
    browser = launch_chromium(playwright_sync)
    try:
        page = browser.new_page()
        login_browser(page, live_server.url, "br.p1", PASSWORD, secret)
        page.goto(f"{live_server.url}/cases/new/")
        page.fill("input[name=title]", "Вербовка веб-моделей")
        page.fill("textarea[name=summary]", "Объявления в Telegram")
        page.select_option("select[name=offence_country]", "MD")
        page.fill("input[name=offence_article]", "220/1")
        page.fill("input[name=offence_part]", "1")
        page.fill("input[name=facts]", "adult_victim, online")
        page.fill("textarea[name=indicators]", "phone: +373 69 123 456\ndomain: Пример.MD")
        page.click("#case-form button[type=submit]")
        page.wait_for_url("**/cases/*/")
        text = page.inner_text("main")
        assert "+37369123456" in text and "xn--e1afmkfd.md" in text
        assert page.get_by_role("heading", name="Индикаторы").is_visible()
    finally:
        browser.close()
    case = Case.objects.get()
    assert (case.offence_article, case.created_by.username) == ("220/1", "br.p1")
