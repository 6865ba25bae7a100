"""Styled 403/404/500 pages (ru and en, with the navigation, saying nothing about what
exists), JSON errors for the API and the federation, and the favicon."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client, RequestFactory

from accounts import services as accounts
from cases.models import InboundItem
from exchange import canonical
from net247.views import error_500
from tests import factories
from tests.accounts.helpers import create_user, verified_client
from tests.fednet import FakePeer
from tests.screens import save

pytestmark = pytest.mark.django_db
MD = FakePeer("MD")
NAV = re.compile(r'<nav aria-label="[^"]+">(.*?)</nav>', re.S)


@pytest.fixture
def kz(settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ", MD)


def received_item() -> InboundItem:
    """A notification from MD through the real inbox: it exists, nobody was granted it."""
    envelope = factories.notification(MD, indicators=[])
    post(envelope)
    return InboundItem.objects.get()


def post(envelope: dict[str, Any]) -> None:
    """Through the real inbox, signed by MD's test key."""
    raw = canonical.dumps(MD.sign(envelope))
    response = Client().post("/federation/v1/inbox", raw, content_type="application/json")
    assert response.status_code == 202, response.content


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(response: Any) -> str:
    """The body without what changes per request (the CSRF token)."""
    body = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def nav(body: str) -> str:
    found = NAV.search(body)
    assert found, body
    return found.group(1)


def test_inbound_item_outside_scope_answers_the_same_styled_404_as_a_missing_one(
    kz: None,
) -> None:
    item = received_item()
    prosecutor = create_user("p.outside", "prosecutor", "cyber")
    client = verified_client(Client(), prosecutor)
    existing = client.get(f"/cases/inbound/{item.pk}/")
    missing = client.get(f"/cases/inbound/{item.pk + 1000}/")
    assert existing.status_code == missing.status_code == 404
    # Nothing tells one from the other but the address itself (the language switch's next).
    assert page(existing).replace(f"/{item.pk}/", "/N/") == page(missing).replace(
        f"/{item.pk + 1000}/", "/N/"
    )
    body = page(existing)
    assert '<html lang="ru" ' in body
    assert "<h1>Страница не найдена</h1>" in body
    assert 'href="/alerts/">Дежурная часть</a>' in nav(body)
    assert 'href="/alerts/"' in body.split("Куда перейти")[1]  # the desk among the ways on
    assert 'href="/"' in body.split("Куда перейти")[1]
    assert item.title not in body and "MD-2026-0042" not in body
    for word in ("Page not found", "Where to go", "Home page", "Duty desk"):
        assert word not in body


def test_404_in_english_with_the_navigation() -> None:
    coordinator = create_user("c.lost", "coordinator")
    client = english(verified_client(Client(), coordinator))
    response = client.get("/cases/inbound/424242/")
    body = page(response)
    assert response.status_code == 404
    assert '<html lang="en" ' in body and "<h1>Page not found</h1>" in body
    assert 'href="/cases/takedowns/">Takedowns</a>' in nav(body)
    assert "Куда перейти" not in body and "Where to go" in body


def test_404_for_a_visitor_offers_the_login_and_no_navigation() -> None:
    response = Client().get("/no-such-page/")
    body = page(response)
    assert response.status_code == 404 and "<h1>Страница не найдена</h1>" in body
    assert nav(body).strip() == ""
    assert 'href="/accounts/login/"' in body


def test_403_is_styled_names_the_role_and_offers_no_desk_to_an_auditor() -> None:
    auditor = create_user("a.curious", "auditor")
    client = verified_client(Client(), auditor)
    response = client.get("/cases/")
    body = page(response)
    assert response.status_code == 403
    assert "<h1>Нет доступа</h1>" in body and "Ваша роль (Аудитор)" in body
    assert 'href="/audit/">Журнал аудита</a>' in nav(body)
    assert 'href="/alerts/"' not in body
    english_body = page(english(client).get("/cases/"))
    assert "<h1>Access denied</h1>" in english_body and "Your role (Auditor)" in english_body


def test_api_and_federation_errors_stay_json() -> None:
    user = create_user("p.api", "prosecutor")
    token = accounts.token_create(user=user, name="t")[1]
    headers = {"Authorization": f"Bearer {token}"}
    unknown = Client().get("/api/v1/no-such-endpoint/", headers=headers)
    assert unknown.status_code == 404 and unknown["Content-Type"] == "application/json"
    assert set(unknown.json()) == {"detail"}
    # Outside the user's scope through DRF: the same JSON shape, no HTML.
    alert = Client().get("/api/v1/alerts/999999/", headers=headers)
    assert alert.status_code == 404 and alert["Content-Type"] == "application/json"
    assert set(alert.json()) == {"detail"}
    federation = Client().get("/federation/v1/no-such-endpoint")
    assert federation.status_code == 404
    assert federation.json()["error"]["code"] == "not_found"


def test_500_page_is_plain_and_reads_no_database(django_assert_num_queries: Any) -> None:
    request = RequestFactory().get("/cases/")
    with django_assert_num_queries(0):
        response = error_500(request)
    body = response.content.decode()
    assert response.status_code == 500 and "<h1>Ошибка на узле</h1>" in body
    assert 'id="favicon"' in body and "<nav" not in body
    api = error_500(RequestFactory().get("/api/v1/cases/"))
    assert api.status_code == 500 and api["Content-Type"] == "application/json"


def test_favicon_is_linked_and_served_by_the_node() -> None:
    body = Client().get("/accounts/login/").content.decode()
    icon = re.search(r'<link rel="icon" id="favicon" href="([^"]+)" type="image/svg\+xml">', body)
    assert icon, body
    svg = Client().get(icon.group(1))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    legacy = Client().get("/favicon.ico")
    assert legacy.status_code == 302
    ico = Client().get(legacy["Location"])
    assert ico.status_code == 200
    assert ico.getvalue()[:4] == b"\x00\x00\x01\x00"  # ICO header
    png = Client().get(static("favicon.png"))
    assert png.status_code == 200
    assert png.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


WIDTHS = {"desktop": 1366, "phone": 390}
ENGLISH_ON_RUSSIAN_PAGES = ("Page not found", "Where to go", "Home page", "What awaits you",
                            "Duty desk", "unacknowledged", "Log out")  # fmt: skip


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_404_and_home_in_a_browser_at_desktop_and_phone_widths(live_server: Any) -> None:
    from django.db import connection
    from playwright.sync_api import sync_playwright

    from alerts.services import alert_raise
    from tests.accounts.helpers import PASSWORD, launch_chromium, login_browser, totp_secret

    coordinator = create_user("c.screens", "coordinator")
    secret = totp_secret(coordinator)
    alert_raise(kind="inbound_notification", title="MD-2026-0042", urgency="urgent")
    connection.close()  # no ORM inside the browser part (see tests/accounts/test_browser.py)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            login_browser(page, live_server.url, "c.screens", PASSWORD, secret)
            for language in ("ru", "en"):
                if language == "en":
                    page.get_by_role("button", name="EN").click()
                    page.wait_for_load_state()
                for name, width in WIDTHS.items():
                    page.set_viewport_size({"width": width, "height": 900})
                    for what, path in (("home", "/"), ("404", "/cases/inbound/987654/")):
                        response = page.goto(live_server.url + path)
                        assert response is not None
                        assert response.status == (404 if what == "404" else 200)
                        _check(page, language, what)
                        save(page, f"{what}-{language}-{name}")
        finally:
            browser.close()


def _check(page: Any, language: str, what: str) -> None:
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("header.top nav a").count() >= 4  # the site's navigation
    heading = page.locator("h1").inner_text()
    if what == "404":
        assert heading == ("Страница не найдена" if language == "ru" else "Page not found")
    text = page.locator("body").inner_text()
    if language == "ru":
        for english in ENGLISH_ON_RUSSIAN_PAGES:
            assert english not in text, english
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{what} {language}: {overflow} px wider than the window"
