"""Real browser, real HTTP server: the account page (tokens with access and expiry) and the
password change page, in Russian and English, at desktop and phone widths (issue 17).
Screenshots land in var/screenshots/account-*.png and password-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection

from accounts import services
from accounts.models import User
from audit.models import AuditEntry
from tests import screens
from tests.accounts.helpers import (
    PASSWORD,
    create_user,
    launch_chromium,
    login_browser,
    totp_secret,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Browser-changed-pass-42"
# Words of these pages that must not be left in English on the Russian page.
ENGLISH = re.compile(
    r"\b(read only|read and write|Expires|Access|Valid for|Change password|Current password|"
    r"New password|days?|Created|Last used|Revoke|tokens?)\b"
)
ZONED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d \S+, UTC[+-]\d+")


def test_account_and_password_pages_in_both_languages(live_server: Any) -> None:
    from playwright.sync_api import sync_playwright

    user = create_user("b.account", "prosecutor", unit="Бишкек")
    secret = totp_secret(user)
    services.token_create(user=user, name="nightly export", scope="read", expires_days=30)
    services.token_create(user=user, name="case sync", scope="write", expires_days=365)
    connection.close()  # no ORM inside Playwright's event loop (see test_browser.py)
    with sync_playwright() as playwright:
        _browse(playwright, live_server.url, secret)

    changed = User.objects.get(pk=user.pk)
    assert changed.check_password(NEW_PASSWORD) and changed.session_generation == 1
    assert AuditEntry.objects.filter(action="auth.password_changed").count() == 1


def _browse(playwright: Any, url: str, secret: str) -> None:
    browser = launch_chromium(playwright)
    try:
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        login_browser(page, url, "b.account", PASSWORD, secret)
        for language in ("ru", "en"):
            context.add_cookies([{"name": "django_language", "value": language, "url": url}])
            for width, height in ((1366, 900), (390, 844)):
                page.set_viewport_size({"width": width, "height": height})
                page.goto(url + "/accounts/")
                text = page.locator("main").inner_text()
                assert len(ZONED.findall(text)) >= 4, text  # created and expiry of two tokens
                if language == "ru":
                    assert "только чтение" in text and "чтение и запись" in text
                    assert not ENGLISH.search(text), ENGLISH.search(text)
                else:
                    assert "read only" in text and "read and write" in text
                    assert "Authorization: Bearer <token>" in text
                screens.save(page, f"account-{language}-{width}")
                page.goto(url + "/accounts/password/")
                text = page.locator("main").inner_text()
                if language == "ru":
                    assert "Текущий пароль" in text
                    assert not ENGLISH.search(text), ENGLISH.search(text)
                screens.save(page, f"password-{language}-{width}")

        # A wrong current password: the error is shown by the field; then the real change.
        context.add_cookies([{"name": "django_language", "value": "ru", "url": url}])
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(url + "/accounts/")
        page.get_by_role("link", name="Сменить пароль").click()
        page.locator("#id_old_password").fill("not-the-password")
        page.locator("#id_new_password1").fill(NEW_PASSWORD)
        page.locator("#id_new_password2").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Сменить пароль").click()
        assert "Текущий пароль неверен." in page.locator("main").inner_text()
        screens.save(page, "password-ru-390-error")
        page.locator("#id_old_password").fill(PASSWORD)
        page.locator("#id_new_password1").fill(NEW_PASSWORD)
        page.locator("#id_new_password2").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Сменить пароль").click()
        page.wait_for_url("**/accounts/")
        assert "Пароль изменён." in page.locator(".messages").inner_text()
        screens.save(page, "account-ru-390-password-changed")
    finally:
        browser.close()
