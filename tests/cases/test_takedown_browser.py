"""Real browser on one node: the board with every kind of cell (pending with its chase
button, a correction, a step back without a reason, a refusal), a proposed mirror, the
request page, the form and the statistics, as a coordinator in ru and en at 1366 and
390 px. No page scrolls sideways; axe-core finds no serious or critical WCAG 2.1 AA
violation. Screenshots: var/screenshots/takedown-cells-*.png."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cases.models import MirrorProposal, Takedown
from node import services as node_services
from tests import factories, screens
from tests.accounts.helpers import (
    PASSWORD,
    create_user,
    launch_chromium,
    login_browser,
    totp_secret,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
RAW = ("under_review", "order_issued", "platform_unresponsive", "H0,", "st-")


def axe_serious(page: Any) -> list[str]:
    """WCAG 2.1 AA violations axe-core rates serious or critical, with their targets."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    )
    assert results.response["passes"], "axe-core ran"
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def board(coord: Any) -> Takedown:
    t = factories.takedown(
        coord,
        "KG-TD-2026-0007",
        targets=[
            {"domain": "webcam-jobs.kg"},
            {"url": "https://models-work.example/apply/very/long/path/to/the/offer?id=42"},
        ],
        legal_country="KG",
        legal_article="171",
        urgency="immediate",
        destinations=["KZ", "MD", "TJ", "UZ"],
    )
    Takedown.objects.filter(pk=t.pk).update(created_at=t.created_at - timedelta(hours=5))
    t.refresh_from_db()
    steps = [
        ("webcam-jobs.kg", "KZ", "received", 3, ""),
        ("webcam-jobs.kg", "KZ", "blocked", 95, ""),
        ("webcam-jobs.kg", "KZ", "received", 120, ""),  # back, no reason: not applied
        ("webcam-jobs.kg", "MD", "received", 2, ""),
        ("webcam-jobs.kg", "MD", "under_review", 40, ""),
        ("webcam-jobs.kg", "TJ", "refused", 30, "Не противоправно по закону РТ"),
        ("webcam-jobs.kg", "UZ", "order_issued", 60, ""),
        ("webcam-jobs.kg", "UZ", "under_review", 200, "Решение суда отменено"),
    ]
    for target, country, status, minutes, note in steps:
        factories.takedown_step(t, target, country, status, timedelta(minutes=minutes), note)
    MirrorProposal.objects.create(
        takedown=t,
        domain="webcam-jobs2.kg",
        shared_kind="phone",
        shared_value="+996555123456",
        source="case KG-2026-0003",
    )
    return t


def test_board_cells_in_words_fit_the_phone_and_both_languages(
    live_server: Any, settings: Any, tmp_path: Any
) -> None:
    from django.db import connection
    from playwright.sync_api import sync_playwright

    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "KG"
    node_services.node_init()
    coord = create_user("kg.coord", "coordinator", "hq")
    t = board(coord)
    secret = totp_secret(coord)
    connection.close()
    seen: dict[str, str] = {}
    serious: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            login_browser(page, live_server.url, "kg.coord", PASSWORD, secret)
            for language in ("ru", "en"):
                page.context.add_cookies(
                    [{"name": "django_language", "value": language, "url": live_server.url}]
                )
                for width in (1366, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    for name, path in (
                        ("board", "/cases/takedowns/"),
                        ("detail", f"/cases/takedowns/{t.pk}/"),
                        ("form", "/cases/takedowns/new/"),
                        ("statistics", "/cases/takedowns/statistics/"),
                    ):
                        page.goto(live_server.url + path)
                        seen[f"{name}-{language}-{width}"] = page.inner_text("main")
                        wide = page.evaluate("document.documentElement.scrollWidth")
                        assert wide <= width, f"{name} {language} scrolls sideways at {width}px"
                        screens.save(page, f"takedown-cells-{name}-{language}-{width}")
                        if width == 1366:
                            serious[f"{name}-{language}"] = axe_serious(page)
        finally:
            browser.close()
    assert not any(serious.values()), serious
    for key, text in seen.items():
        assert not any(raw in text for raw in RAW), key
    ru, en = seen["board-ru-1366"], seen["board-en-1366"]
    for words in (
        ["Заблокировано", "На рассмотрении", "Отказано", "исправление", "Напомнить", "ожидание"],
        ["Blocked", "Under review", "Refused", "correction", "Chase", "waiting"],
    ):
        text = ru if words[0] == "Заблокировано" else en
        for w in words:
            assert w in text, w
    assert "не применён" in ru and "not applied" in en
    assert "Причина исправления: Решение суда отменено" in ru
    assert "webcam-jobs2.kg" in ru and "Присоединить" in ru
