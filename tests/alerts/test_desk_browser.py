"""The duty desk in Chromium on a real node (uvicorn, WebSocket): cards pushed live are
worded in the reader's language, not the node's, and "N more open alerts are not shown
here" follows the live events (a hidden alert closed elsewhere leaves the count)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.accounts.helpers import PASSWORD, launch_chromium, login_browser, new_secret
from tests.fednet import federation  # noqa: F401 (the fixture)
from tests.screens import save

pytestmark = [pytest.mark.federation, pytest.mark.browser]

# Run in the node's shell (its default language: ru). 27 alerts: the desk shows 25.
SET_UP = """
import json
from django.db import transaction
from accounts import services
from alerts import services as alerts
user = services.user_create(username="kz.p1", role="prosecutor", password=%r, totp_secret=%r)
alerts.channel_add(user=user, kind="email", target="kz.p1@example.org")
ids = []
for n in range(27):
    with transaction.atomic():
        alert = alerts.alert_raise(kind="peer_silent", title="Тишина", urgency="urgent",
                                   params={"country": "UZ", "since": "2026-01-01T00:00:00Z"},
                                   users=[user], dedupe_key="silent-%%d" %% n)
    ids.append(alert.pk)
print(json.dumps(ids))
"""
RAISE = """
from django.db import transaction
from accounts.models import User
from alerts import services as alerts
with transaction.atomic():
    alerts.alert_raise(kind="delivery_failed", title="Сбой", urgency="immediate",
                       params={"country": "KG"}, users=[User.objects.get(username="kz.p1")])
"""
RESOLVE = """
from alerts import services as alerts
from alerts.models import Alert
alerts.alert_resolve(alert=Alert.objects.get(pk=%d), actor=None, note="Handled by phone.")
"""


def test_live_cards_speak_the_readers_language_and_the_hidden_count_follows(
    federation: Any,  # noqa: F811 (the fixture)
) -> None:
    from playwright.sync_api import expect, sync_playwright

    fed = federation("KZ")
    kz = fed.node("KZ")
    secret = new_secret()
    ids = json.loads(kz.manage("shell", "-c", SET_UP % (PASSWORD, secret)).strip().splitlines()[-1])
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            login_browser(page, kz.url, "kz.p1", PASSWORD, secret)
            page.context.add_cookies([{"name": "django_language", "value": "en", "url": kz.url}])
            page.goto(kz.url + "/alerts/")
            expect(page.locator("#alerts-status[data-live='1']")).to_have_count(1, timeout=15000)
            more = page.locator("#alerts-more")
            expect(more).to_contain_text("2 more open alerts are not shown here.")
            expect(more).to_contain_text("2 of them are not acknowledged.")

            # Raised by the node (in Russian), pushed to an English desk: English.
            kz.manage("shell", "-c", RAISE)
            card = page.locator("#alerts-body li.alert-card").first
            expect(card).to_contain_text("Delivery to Kyrgyzstan failed", timeout=15000)

            # The two oldest have no card; closing them elsewhere empties the note.
            kz.manage("shell", "-c", RESOLVE % ids[0])
            expect(more).to_contain_text("1 more open alert is not shown here.", timeout=15000)
            expect(more).to_contain_text("1 of them is not acknowledged.")
            save(page, "duty-desk-live-en")
            kz.manage("shell", "-c", RESOLVE % ids[1])
            expect(more).to_be_hidden(timeout=15000)
            assert "Не удалось" not in page.inner_text("#alerts-body")
        finally:
            browser.close()
