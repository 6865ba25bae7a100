"""Chromium on a live server: an auditor sees the log, a prosecutor is refused.

The session is made with the accounts helpers (password and TOTP already passed) and
its cookie handed to the browser, so this test does not depend on the login pages.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from audit import services
from audit.models import AuditEntry
from tests import screens
from tests.accounts.helpers import create_user, launch_chromium, verified_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _session_cookie(username: str, role: str, base_url: str) -> dict[str, str]:
    client = verified_client(Client(), create_user(username, role))
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base_url}


def _browse(
    base_url: str, auditor: dict[str, str], prosecutor: dict[str, str], times: dict[str, str]
) -> None:
    """No ORM in here: Playwright's sync API runs in a greenlet of its own, where Django
    would open (and leave open) a second database connection."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context()
            context.add_cookies([auditor])
            page = context.new_page()
            response = page.goto(f"{base_url}/audit/")
            assert response is not None and response.status == 200
            assert page.get_by_role("heading", name="Журнал аудита", level=1).is_visible()
            assert "проверен" in page.inner_text("#verification")
            assert len(page.inner_text("#tree-root")) == 64
            page.fill("input[name=action]", "case")
            page.click("#audit-filter button[type=submit]")
            page.wait_for_url("**/audit/?*action=case*")
            rows = page.inner_text("#entries tbody")
            assert "case.read" in rows and "audit.view" not in rows
            with page.expect_download() as download:
                page.click("#export")
            assert download.value.suggested_filename.endswith(".csv")

            # By time, typed on the node's clock: ISO order, then the Russian order.
            page.goto(f"{base_url}/audit/")
            page.fill("input[name=action]", "case.read")
            page.fill("input[name=since]", times["before"])
            page.fill("input[name=until]", times["after_ru"])
            page.click("#audit-filter button[type=submit]")
            page.wait_for_url("**/audit/?*since=*")
            assert "case.read" in page.inner_text("#entries tbody")
            assert page.input_value("input[name=until]") == times["after_ru"]  # kept
            page.fill("input[name=since]", times["later"])
            page.click("#audit-filter button[type=submit]")
            page.wait_for_url("**/audit/?*since=*")
            assert page.locator("#entries").count() == 0
            assert page.input_value("input[name=since]") == times["later"]
            page.fill("input[name=since]", "2026-02-30 10:00")  # no such day
            page.click("#audit-filter button[type=submit]")
            page.wait_for_url("**/audit/?*since=*")
            assert page.inner_text("#id_since_error") == "Введите правильную дату и время."
            assert page.input_value("input[name=since]") == "2026-02-30 10:00"
            hint = page.inner_text("#id_since_format")
            assert hint.startswith("ГГГГ-ММ-ДД ЧЧ:ММ, "), hint
            for language in ("ru", "en"):
                context.add_cookies(
                    [{"name": "django_language", "value": language, "url": base_url}]
                )
                for width, suffix in ((1366, ""), (390, "-phone")):
                    page.set_viewport_size({"width": width, "height": 900})
                    page.goto(f"{base_url}/audit/?since={times['before']}&action=case")
                    overflow = page.evaluate(
                        "document.documentElement.scrollWidth > window.innerWidth"
                    )
                    assert not overflow, f"audit {language} {width}px scrolls sideways"
                    screens.save(page, f"audit-log-{language}{suffix}")

            other = browser.new_context()
            other.add_cookies([prosecutor])
            refused = other.new_page().goto(f"{base_url}/audit/")
            assert refused is not None and refused.status == 403
        finally:
            browser.close()


def test_an_auditor_sees_the_log_and_a_prosecutor_gets_403(live_server: Any) -> None:
    services.record(action="case.read", object_type="case", object_id="77", peer="MD")
    auditor = _session_cookie("br.aud", "auditor", live_server.url)
    prosecutor = _session_cookie("br.pro", "prosecutor", live_server.url)
    now = timezone.localtime()
    times = {
        "before": (now - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M"),
        "after_ru": (now + timedelta(minutes=5)).strftime("%d.%m.%Y %H:%M"),
        "later": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    _browse(live_server.url, auditor, prosecutor, times)
    views = AuditEntry.objects.filter(action="audit.view")
    assert views.filter(actor="br.aud", outcome="success").count() == 10
    assert views.filter(actor="br.pro", outcome="denied").count() == 1
    assert AuditEntry.objects.filter(action="audit.export", actor="br.aud").count() == 1
