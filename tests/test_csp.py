"""Content-Security-Policy (issue 17, posture): every page works with no inline script or
style, in Chromium, which reports each blocked script, style or socket as a violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests import factories
from tests.accounts.helpers import launch_chromium, verified_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Before any page script: every violation the browser reports is kept on the window.
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""
PAGES = {
    "prosecutor": ["/", "/alerts/", "/cases/", "/legal-map/", "/accounts/"],
    "coordinator": [
        "/cases/",
        "/legal-map/curation/",
        "/api/schema/ui/",
        "/alerts/rota/",
        "/alerts/policies/immediate/",
        "/peers/",
        "/peers/add/",
    ],
    "auditor": ["/audit/"],
    "admin": ["/admin/", "/admin/accounts/user/", "/admin/accounts/user/{id}/change/"],
}


def test_the_policy_header_is_strict(client: Client) -> None:
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy


def test_no_page_breaks_the_policy(live_server: Any) -> None:
    from playwright.sync_api import sync_playwright

    sessions: dict[str, tuple[str, int]] = {}
    for role in PAGES:
        user = factories.user(f"csp-{role}", role)
        if role == "admin":
            user.is_staff = user.is_superuser = True
            user.save()
        client = verified_client(Client(), user)
        sessions[role] = (client.cookies[settings.SESSION_COOKIE_NAME].value, user.pk)
    connection.close()  # Playwright's sync API runs an event loop in this thread
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            violations = _visit_all(browser, live_server.url, sessions)
        finally:
            browser.close()
    assert violations == []


def _visit_all(browser: Any, url: str, sessions: dict[str, tuple[str, int]]) -> list[str]:
    violations: list[str] = []
    anonymous = _context(browser, url, None)
    page = anonymous.new_page()
    page.goto(f"{url}/accounts/login/")
    # accounts/focus.js ran: the empty username field has the focus.
    assert page.evaluate("document.activeElement.name") == "username"
    violations += _violations(page, "/accounts/login/")
    for role, (session_id, user_id) in sessions.items():
        context = _context(browser, url, session_id)
        page = context.new_page()
        for path in PAGES[role]:
            path = path.format(id=user_id)
            response = page.goto(url + path)
            assert response is not None and response.status == 200, (role, path)
            page.wait_for_load_state("networkidle")
            violations += _violations(page, f"{role} {path}")
        if role == "prosecutor":
            # legal_map/explorer.js: choosing a country clears the article and reloads.
            page.goto(f"{url}/legal-map/?country=MD&article=220/1")
            with page.expect_navigation():
                page.select_option("select[name=country]", "KZ")
            assert "country=KZ" in page.url and page.input_value("input[name=article]") == ""
            violations += _violations(page, "explorer after a country change")
        context.close()
    return violations


def _context(browser: Any, url: str, session_id: str | None) -> Any:
    context = browser.new_context(locale="en-US")
    context.add_init_script(COLLECT_VIOLATIONS)
    if session_id:
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_id, "url": url}]
        )
    return context


def _violations(page: Any, where: str) -> list[str]:
    return [f"{where}: {v}" for v in page.evaluate("window.__csp")]
