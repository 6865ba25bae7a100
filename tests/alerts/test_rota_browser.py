"""Chromium on a live server: a coordinator builds a rota in the pages (a rotation and an
override), sees names in the calendar and publishes it; screenshots of the rota, policy
and peers pages at 1366 and 390 px, in ru and en (var/screenshots/), with no sideways
scrolling and no serious or critical WCAG 2.1 AA finding of axe-core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from accounts.models import User
from alerts import services as alert_services
from alerts.models import Override, Schedule
from exchange import services as exchange_services
from node import places
from tests import screens
from tests.accounts.helpers import launch_chromium, verified_client
from tests.alerts.factories import person
from tests.fednet import FakePeer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _named(username: str, first: str, last: str, role: str = "prosecutor") -> User:
    user = person(username, role)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _axe(page: Any, where: str) -> str:
    """Serious and critical WCAG 2.1 AA problems axe-core finds on the page, one a line."""
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    found = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]})
    return "".join(
        f"{where}: {v['id']} {[n['target'] for n in v['nodes']][:3]}\n"
        for v in found.response["violations"]
        if v.get("impact") in ("serious", "critical")
    )


def _browse(base_url: str, cookie: dict[str, str], yesterday: str, tomorrow: str) -> dict[str, str]:
    """No ORM in here (Playwright's greenlet): what the pages showed is returned."""
    from playwright.sync_api import sync_playwright

    seen: dict[str, str] = {"axe": ""}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            context.add_cookies([cookie])
            page = context.new_page()
            page.goto(f"{base_url}/alerts/rota/")
            page.click("details.new-rota summary")
            page.fill("input[name=name]", "duty")
            page.click("details.new-rota button[type=submit]")
            page.click("text=Добавить чередование")
            page.select_option("select[name=member_1]", "anna")
            page.select_option("select[name=member_2]", "boris")
            page.fill("input[name=handoff]", "09:00")
            page.fill("input[name=start]", yesterday)
            page.click("form.rota-form button[type=submit]")
            page.wait_for_selector("ol.calendar")
            page.click("text=Добавить замену")
            page.select_option("select[name=user]", "vera")
            # Typed as text, in ISO order and (a Russian page) the Russian order.
            seen["start_hint"] = page.inner_text("#id_start_format")
            seen["start_described"] = page.get_attribute("input[name=start]", "aria-describedby")
            page.fill("input[name=start]", f"{tomorrow} 10:00")
            ru_day = ".".join(reversed(tomorrow.split("-")))
            page.fill("input[name=end]", f"{ru_day} 08:00")  # before the start: refused
            page.click("form.rota-form button[type=submit]")
            seen["override_error"] = page.inner_text("#id_end_error")
            seen["start_kept"] = page.input_value("input[name=start]")
            page.fill("input[name=end]", f"{ru_day} 18:00")
            page.click("form.rota-form button[type=submit]")
            page.wait_for_selector("ol.calendar")
            seen["calendar"] = page.inner_text("ol.calendar")
            page.click("form[action$='/publish/'] button")
            page.wait_for_selector("ol.calendar")
            seen["published"] = page.inner_text("main")
            for language in ("ru", "en"):
                context.add_cookies(
                    [{"name": "django_language", "value": language, "url": base_url}]
                )
                for width, suffix in ((1366, ""), (390, "-phone")):
                    page.set_viewport_size({"width": width, "height": 900})
                    for name, path in (
                        ("rota", f"/alerts/rota/?rota=duty&from={tomorrow}"),
                        ("rota-month", "/alerts/rota/?rota=duty&view=month"),
                        ("policies", "/alerts/policies/"),
                        ("policy-form", "/alerts/policies/immediate/"),
                        ("peers", "/peers/"),
                        ("rota-rotation-form", "/alerts/rota/duty/rotations/new/"),
                        ("rota-override-form", "/alerts/rota/duty/overrides/new/"),
                        ("peer-add", "/peers/add/"),
                        ("rota-reach", "/alerts/rota/reach/"),
                    ):
                        page.goto(base_url + path)
                        overflow = page.evaluate(
                            "document.documentElement.scrollWidth > window.innerWidth"
                        )
                        assert not overflow, f"{name} {language} {width}px scrolls sideways"
                        screens.save(page, f"{name}-{language}{suffix}")
                        if width == 1366:  # the rules axe checks do not depend on width
                            seen["axe"] += _axe(page, f"{name} {language}")
                    page.goto(base_url + f"/alerts/rota/?rota=duty&from={tomorrow}")
                    seen[f"rota-{language}{suffix}"] = page.inner_text("main")
        finally:
            browser.close()
    return seen


def test_a_coordinator_adds_a_rotation_and_an_override_and_sees_names(live_server: Any) -> None:
    _named("anna", "Анна", "Ким")
    _named("boris", "Борис", "Лим")
    _named("vera", "Вера", "Пак")
    coordinator = _named("coord", "Олег", "Ню", role="coordinator")
    alert_services.policies_ensure_defaults()
    kz = FakePeer("MD" if settings.NODE_COUNTRY == "KZ" else "KZ")
    exchange_services.peer_add(
        country=kz.country, url="http://127.0.0.1:9", keys=[(kz.key_id, kz.public_key)]
    )
    client = verified_client(Client(), coordinator)
    cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    seen = _browse(live_server.url, cookie, yesterday, tomorrow)
    assert "Окончание должно быть позже начала." in seen["override_error"]
    assert seen["start_kept"] == f"{tomorrow} 10:00"
    with translation.override("ru"):  # the page is Russian; the test process is not
        zone = str(places.zone_time(timezone.now(), places.zone_of(None)))
    assert seen["start_hint"] == f"ГГГГ-ММ-ДД ЧЧ:ММ, {zone}" and "время" in zone
    assert "id_start_format" in (seen["start_described"] or "")
    calendar = seen["calendar"]
    assert "Анна Ким (anna)" in calendar and "Борис Лим (boris)" in calendar
    assert "Вера Пак (vera)" in calendar and "вместо:" in calendar and "10:00–18:00" in calendar
    assert Schedule.objects.get(name="duty").published, seen["published"]
    assert Override.objects.get().user.username == "vera"
    assert "Rota “duty”" in seen["rota-en"] and "covers" in seen["rota-en"]
    assert "Вера Пак (vera)" in seen["rota-en-phone"]
    assert seen["axe"] == "", seen["axe"]
