"""The page walk in Chromium with axe-core: no serious or critical WCAG 2.1 AA violation on
any page, in Russian and in English (one browser session per language).

Each page is checked in both languages as the first role that may open it (coordinator,
auditor, prosecutor, admin; the sign-in steps in a session at that step), and in Russian as
every other role that may (what a page shows depends on the role); it fails if it is
wider than a 390 px phone; the pages of the coordinator's workbench are also
photographed at 1366 and 390 px wide (var/screenshots/walk-*.png) for people to look at.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests import screens, walk
from tests.accounts.helpers import launch_chromium, verified_client
from tests.test_walk import NOT_YET_JUDGED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
ORDER = ("coordinator", "auditor", "prosecutor", "admin")
# Photographed at both widths (the pages of this branch).
PHOTOGRAPHED = {
    "cases:list",
    "cases:detail",
    "cases:thread",
    "cases:takedowns",
    "cases:takedown-create",
    "home",
    "alerts:desk",
    "alerts:detail",
    "alerts:history",
    "audit:log",
    "legal_map:explorer",
    "legal_map:curation",
    "accounts:account",
    "cases:inbound-detail",
    "cases:takedown-detail",
    "cases:takedown-statistics",
    "cases:blocking",
    "alerts:rota",
    "alerts:policies",
    "peers:list",
    "cases:create",
    "cases:print",
}


@pytest.fixture
def kz(settings: Any, tmp_path: Any) -> walk.World:
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "KZ"
    settings.TIME_ZONE = "Asia/Almaty"
    return walk.world()


def _plan(w: walk.World, base_url: str) -> tuple[dict[str, dict[str, str]], list[Any]]:
    """Session cookies per role and, per page, the first role that may open it (decided
    with Django's client: no ORM once Playwright runs)."""
    cookies: dict[str, dict[str, str]] = {}
    clients: dict[str, Client] = {}
    for role in ORDER:
        client = verified_client(Client(), w.users[role])
        clients[role] = client
        value = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies[role] = {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base_url}
    plan: list[tuple[str, str, str, bool, tuple[str, ...]]] = []
    photographed: set[str] = set()
    for name, url in walk.pages(w):
        if name in NOT_YET_JUDGED:
            continue
        openers = [r for r in ORDER if clients[r].get(url).status_code == 200]
        assert openers, url
        photo = name in PHOTOGRAPHED and name not in photographed
        photographed.add(name)
        plan.append((name, url, openers[0], photo, walk.LANGUAGES))
        # A page shows each role something else (an auditor reads metadata only, a
        # prosecutor has no coordinator's actions): every other role too, in Russian.
        plan += [(name, url, role, False, ("ru",)) for role in openers[1:]]
    # The sign-in steps, each in the session of a client at that step (anonymous first).
    for step, url, client in walk.sign_in_steps(w):
        session = client.cookies.get(settings.SESSION_COOKIE_NAME)
        cookies[step] = {
            "name": settings.SESSION_COOKIE_NAME if session else "walk-anonymous",
            "value": session.value if session else "1",
            "url": base_url,
        }
        plan.append((f"accounts:{step}", url, step, step == "login", walk.LANGUAGES))
    return cookies, plan


def _walk(base_url: str, cookies: dict[str, dict[str, str]], plan: list[Any]) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
    from playwright.sync_api import sync_playwright

    axe = Axe()
    found: list[str] = []
    with sync_playwright() as playwright:
        for language in walk.LANGUAGES:
            browser = launch_chromium(playwright)
            try:
                pages: dict[str, Any] = {}
                for role, cookie in cookies.items():
                    context = browser.new_context(viewport={"width": 1366, "height": 900})
                    language_cookie = {
                        "name": settings.LANGUAGE_COOKIE_NAME,
                        "value": language,
                        "url": base_url,
                    }
                    context.add_cookies([cookie, language_cookie])
                    pages[role] = context.new_page()
                for name, url, role, photo, languages in plan:
                    if language not in languages:
                        continue
                    page = pages[role]
                    page.set_viewport_size({"width": 1366, "height": 900})
                    response = page.goto(base_url + url)
                    assert response is not None and response.status == 200, (language, url)
                    assert page.url == base_url + url, (language, url, page.url)  # no redirect
                    assert page.get_attribute("html", "lang") == language
                    results = axe.run(page, options=AXE_OPTIONS)
                    for violation in results.response["violations"]:
                        if violation.get("impact") in ("serious", "critical"):
                            targets = [n["target"] for n in violation["nodes"]][:3]
                            found.append(
                                f"{language} {role} {url}: {violation['id']} "
                                f"({violation['impact']}): "
                                f"{violation['help']} at {targets}"
                            )
                    slug = re.sub(r"[^a-z0-9]+", "-", name)
                    if photo:
                        screens.save(page, f"walk-{language}-{slug}-1366")
                    page.set_viewport_size({"width": 390, "height": 844})
                    page.goto(base_url + url)  # as a phone loads it (a chart sizes at load)
                    overflow = page.evaluate(
                        "document.documentElement.scrollWidth > window.innerWidth + 1"
                    )
                    if overflow:
                        found.append(f"{language} {role} {url}: wider than a 390 px phone")
                    if photo:
                        screens.save(page, f"walk-{language}-{slug}-390")
            finally:
                browser.close()
    return found


def test_every_page_passes_axe_in_both_languages(kz: walk.World, live_server: Any) -> None:
    cookies, plan = _plan(kz, live_server.url)
    found = _walk(live_server.url, cookies, plan)
    assert not found, f"{len(found)} problems:\n" + "\n".join(found)
