"""Chromium on a live server: an auditor sees the log, a prosecutor is refused.

The session is made with the accounts helpers (password and TOTP already passed) and
its cookie handed to the browser, so this test does not depend on the login pages.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from audit import services
from audit.models import AuditEntry
from tests.accounts.helpers import create_user, launch_chromium, verified_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _session_cookie(username: str, role: str, base_url: str) -> dict[str, str]:
    client = verified_client(Client(), create_user(username, role))
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base_url}


def _browse(base_url: str, auditor: dict[str, str], prosecutor: dict[str, str]) -> None:
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
    _browse(live_server.url, auditor, prosecutor)
    views = AuditEntry.objects.filter(action="audit.view")
    assert views.filter(actor="br.aud", outcome="success").count() == 2
    assert views.filter(actor="br.pro", outcome="denied").count() == 1
    assert AuditEntry.objects.filter(action="audit.export", actor="br.aud").count() == 1
