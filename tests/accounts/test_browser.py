"""Real browser, real HTTP server: password + TOTP login, QR enrolment, EN/RU switch."""

import re
from typing import Any

import pytest
from django.db import connection

from audit.models import AuditEntry
from tests.accounts.helpers import (
    PASSWORD,
    code_for_secret,
    create_user,
    fresh_code,
    launch_chromium,
    login_browser,
    totp_secret,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_enrol_and_switch_language(live_server):
    from playwright.sync_api import sync_playwright

    enrolled = create_user("b.enrolled", "prosecutor")
    secret = totp_secret(enrolled)
    create_user("b.newcomer", "auditor", totp=False)
    # No ORM inside the browser part: Playwright's sync API runs an event loop in this
    # thread, where Django would open a second connection. The server has its own threads.
    connection.close()
    with sync_playwright() as playwright:
        _browse(playwright, live_server.url, secret)

    actions = list(
        AuditEntry.objects.filter(object_id="b.newcomer").values_list("action", flat=True)
    )
    assert actions == [
        "user.created",
        "auth.password_ok",
        "auth.totp_failed",
        "auth.totp_enrolled",
        "auth.login",
    ]


def _browse(playwright: Any, url: str, secret: str) -> None:
    browser = launch_chromium(playwright)
    try:
        # A pre-enrolled user: password, then TOTP, in an English-speaking browser.
        page = browser.new_context(locale="en-US").new_page()
        login_browser(page, url, "b.enrolled", PASSWORD, secret)
        assert page.url == url + "/"
        assert page.locator("html").get_attribute("lang") == "ru"  # Russian by default
        assert page.get_by_role("button", name="Выйти").is_visible()
        page.get_by_role("link", name="Моя учётная запись").first.click()
        assert page.get_by_role("heading", name="Моя учётная запись").is_visible()

        # A newcomer: password, then the enrolment page with a QR code and the key.
        page = browser.new_context(locale="en-US").new_page()
        page.goto(url + "/accounts/login/")
        page.get_by_label("Имя пользователя").fill("b.newcomer")
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Продолжить").click()
        page.wait_for_url("**/accounts/totp/enrol/**")
        assert page.locator("figure.qr svg").is_visible()
        key = page.locator("#totp-secret").inner_text().strip()
        assert re.fullmatch(r"[A-Z2-7]{32}", key)
        field = page.get_by_label("Шестизначный код из приложения-аутентификатора")
        assert field.evaluate("e => document.activeElement === e")
        # A wrong code first: the error is announced and tied to the field.
        wrong = f"{(int(code_for_secret(key)) + 1) % 1_000_000:06d}"
        field.fill(wrong)
        page.get_by_role("button", name="Подтвердить").click()
        assert field.get_attribute("aria-invalid") == "true"
        assert "id_code_error" in (field.get_attribute("aria-describedby") or "")
        assert page.locator("#id_code_error").inner_text().startswith("Неверный код")
        page.wait_for_timeout(1100)  # django-otp's throttle after one wrong code: 1 s
        page.get_by_label("Шестизначный код из приложения-аутентификатора").fill(fresh_code(key))
        page.get_by_role("button", name="Подтвердить").click()
        page.wait_for_url(url + "/")

        # The switch: English from now on, on every page.
        page.get_by_role("button", name="EN").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("button", name="Log out").is_visible()
        assert page.get_by_role("link", name="Audit log").first.is_visible()
        page.goto(url + "/accounts/")
        assert page.get_by_role("heading", name="My account").is_visible()
        assert page.get_by_text("enabled").is_visible()
        page.get_by_role("button", name="RU").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Моя учётная запись").is_visible()
    finally:
        browser.close()
