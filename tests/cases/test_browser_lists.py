"""Chromium on a live server: the lists on a phone (390 px) and a desktop (1366 px).

A coordinator filters the received items in Russian on a phone: choosing a country
reloads only the listing (htmx) and the address follows; the next page keeps the
filter; a bad date is shown next to its field. Then every list is opened as each role
that sees it, in ru and en, at both widths: nothing overflows the phone's width, and a
screenshot of each lands in var/screenshots/ (tests/screens.py).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from alerts.models import Alert
from audit import services as audit
from cases.models import Case, InboundItem
from tests import screens
from tests.accounts.helpers import create_user, launch_chromium, verified_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
PAGES = [
    ("cases", "/cases/", ("coordinator", "prosecutor")),
    ("inbound", "/cases/inbound/", ("coordinator", "prosecutor", "auditor")),
    ("alert-history", "/alerts/history/", ("coordinator", "prosecutor")),
    ("audit-log", "/audit/", ("auditor", "admin")),
]


def _rows() -> None:
    coord = create_user("bl.coord", "coordinator", "hq")
    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            reference=f"KZ-2026-{n:04d}",
            title=f"Вербовка веб-моделей через Telegram, эпизод {n}",
            summary="s",
            offence_country="KZ",
            offence_article="309",
            urgency=["routine", "urgent", "immediate"][n % 3],
            created_by=coord,
        )
        for n in range(1, 61)
    )
    InboundItem.objects.bulk_create(
        InboundItem(
            kind=["notification", "request", "takedown"][n % 3],
            origin=["KG", "MD", "UZ", "TJ"][n % 4],
            envelope_id=str(uuid.uuid4()),
            thread=str(uuid.uuid4()),
            handling="H0",
            ref=f"{['KG', 'MD', 'UZ', 'TJ'][n % 4]}-2026-{n:04d}",
            title=f"Мошенничество с инвестициями, сообщение {n}",
            body={},
            urgency=["routine", "urgent"][n % 2],
            received_at=now - timedelta(hours=n),
        )
        for n in range(1, 251)
    )
    Alert.objects.bulk_create(
        Alert(
            kind=["inbound_notification", "delivery_failed"][n % 2],
            title=f"Уведомление о деле KG-2026-{n:04d}",
            urgency="urgent",
            state=["triggered", "resolved"][n % 2],
            origin="KG",
        )
        for n in range(1, 71)
    )
    for n in range(60):
        audit.record(action="case.read", actor=coord, object_type="cases.case", object_id=n)


def _cookie(username: str, role: str, base_url: str) -> dict[str, str]:
    client = verified_client(Client(), create_user(username, role, "cyber"))
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base_url}


def test_lists_on_a_phone_and_a_desktop_in_both_languages(live_server: Any) -> None:
    _rows()
    base = live_server.url
    cookies = {
        role: _cookie(f"bl.{role}", role, base)
        for role in ("coordinator", "prosecutor", "auditor", "admin")
    }
    connection.close()  # no ORM inside the browser part (see tests/cases/test_browser.py)
    _browse(base, cookies)


def _browse(base: str, cookies: dict[str, dict[str, str]]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            _filter_on_a_phone(browser, base, cookies["coordinator"])
            for name, path, roles in PAGES:
                for role in roles:
                    for lang in ("ru", "en"):
                        for label, size in (("390", PHONE), ("1366", DESKTOP)):
                            _shoot(browser, base, cookies[role], lang, size,
                                   path, f"lists-{name}-{role}-{lang}-{label}")  # fmt: skip
        finally:
            browser.close()


def _context(browser: Any, base: str, cookie: dict[str, str], lang: str, size: Any) -> Any:
    context = browser.new_context(viewport=size)
    context.add_cookies(
        [cookie, {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}]
    )
    return context


def _save(page: Any, name: str) -> None:
    """The whole page, and what the screen shows first (a phone's full page is very long)."""
    path = screens.save(page, name)
    page.screenshot(path=str(path.with_name(f"{name}-top.png")))


def _no_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url}: {width}px wide"


def _filter_on_a_phone(browser: Any, base: str, cookie: dict[str, str]) -> None:
    context = _context(browser, base, cookie, "ru", PHONE)
    page = context.new_page()
    page.goto(f"{base}/cases/inbound/")
    assert page.get_by_role("heading", name="Получено из других стран").is_visible()
    assert "250 сообщений" in page.inner_text(".list-summary")
    page.get_by_label("Отправитель").select_option("KG")  # htmx: the listing alone
    page.wait_for_url("**/cases/inbound/?*origin=KG*")
    page.locator(".list-summary", has_text="62 сообщения").wait_for()  # 250 items, 1 in 4
    rows = page.inner_text("table.list tbody")
    assert "KG-2026-" in rows and "MD-2026-" not in rows
    assert page.get_by_label("Отправитель").input_value() == "KG"  # the choice is kept
    _no_overflow(page)
    _save(page, "lists-inbound-filtered-ru-390")
    page.get_by_role("link", name="Следующая").click()
    page.wait_for_url("**page=2*")
    assert "origin=KG" in page.url and "Страница 2 из 2" in page.inner_text("main")
    assert "KG-2026-" in page.inner_text("table.list tbody")
    page.goto(f"{base}/cases/inbound/?origin=KG&since=2026-02-30")
    error = page.locator("#id_since_error")
    assert error.is_visible() and "дату" in error.inner_text().lower()
    assert page.get_by_label("Отправитель").input_value() == "KG"
    _no_overflow(page)
    _save(page, "lists-inbound-bad-date-ru-390")
    context.close()


def _shoot(
    browser: Any, base: str, cookie: dict[str, str], lang: str, size: Any, path: str, name: str
) -> None:
    context = _context(browser, base, cookie, lang, size)
    page = context.new_page()
    response = page.goto(f"{base}{path}")
    assert response is not None and response.status == 200, (name, response and response.status)
    assert page.locator("html").get_attribute("lang") == lang
    _save(page, name)
    if size is PHONE:
        _no_overflow(page)
    context.close()
