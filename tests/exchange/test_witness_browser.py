"""Chromium: the auditor's page shows who witnesses this log, in words and zoned times.

MD's checkpoints: KZ co-signed the latest, KG refused it, UZ is behind (one superseded);
and MD, as a witness, refused a checkpoint of KZ's. At 1366 and 390 px, ru and en.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit import services as audit_services
from exchange import canonical, checkpoints, inbox, outbox, services
from exchange.models import OutboxEntry, Peer
from node import services as node_services
from tests.accounts.helpers import create_user, launch_chromium, verified_client
from tests.exchange.test_witness import KZ, checkpoint, cosign
from tests.fednet import FakePeer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KG, UZ = FakePeer("KG"), FakePeer("UZ")
SHOTS = Path(os.environ.get("WITNESS_SHOTS", "/tmp/witness-shots"))


def _witnesses() -> None:
    node_services.node_init()
    for peer in (KZ, KG, UZ):
        services.peer_add(
            country=peer.country, url="http://127.0.0.1:9", keys=[(peer.key_id, peer.public_key)]
        )
    audit_services.record(action="test.something")
    checkpoints.send()
    for country in ("KZ", "UZ", "KG"):
        cosign(OutboxEntry.objects.get(destination__country=country))
    for _ in range(2):  # UZ is down: two rounds, the first superseded
        audit_services.record(action="test.something")
        checkpoints.send()
    to_kz, to_kg = (checkpoints.last_sent(Peer.objects.get(country=c)) for c in ("KZ", "KG"))
    assert to_kz is not None and to_kg is not None
    cosign(to_kz)
    error = {"code": "invalid_body", "message": "audit checkpoint of MD refused: fork: root …"}
    reason = f"HTTP 422: {canonical.dumps({'error': error}).decode()}"
    outbox._fail(to_kg, reason, 422, timezone.now())
    # MD as a witness: KZ's log forks.
    for body in (checkpoint(9), checkpoint(9, leaves=[bytes(32)] * 9)):
        envelope = KZ.sign(body)
        inbox.receive(canonical.dumps(envelope), client_ip="127.0.0.1")


def _browse(base_url: str, cookie: dict[str, str]) -> list[str]:
    from playwright.sync_api import sync_playwright

    texts = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for language in ("ru", "en"):
                for width in (1366, 390):
                    context = browser.new_context(viewport={"width": width, "height": 900})
                    context.add_cookies(
                        [cookie, {"name": "django_language", "value": language, "url": base_url}]
                    )
                    page = context.new_page()
                    response = page.goto(f"{base_url}/audit/")
                    assert response is not None and response.status == 200
                    section = page.locator("section.witnesses")
                    assert section.is_visible()
                    section.scroll_into_view_if_needed()
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    section.screenshot(path=str(SHOTS / f"audit-witnesses-{language}-{width}.png"))
                    page.screenshot(
                        path=str(SHOTS / f"audit-page-{language}-{width}.png"), full_page=True
                    )
                    width_ok = page.evaluate(
                        "document.documentElement.scrollWidth <= window.innerWidth + 1"
                    )
                    assert width_ok, f"{language} {width}: the page scrolls sideways"
                    texts.append(section.inner_text())
                    context.close()
        finally:
            browser.close()
    return texts


def test_auditor_sees_the_witnesses_in_words(
    live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "MD"
    settings.BACKGROUND = "celery"  # delivery tasks stay queued: nothing answers here
    _witnesses()
    assert Peer.objects.count() == 3
    client = verified_client(Client(), create_user("aud.witness", "auditor"))
    cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
    ru_wide, ru_narrow, en_wide, _en_narrow = _browse(live_server.url, cookie)
    for text in (ru_wide, ru_narrow):
        assert "Заверители" in text and "Казахстан" in text
        assert "заверила последнюю контрольную точку" in text
        assert "отклонила последнюю контрольную точку" in text
        assert "более ранняя заменена" in text and "refused: fork: root" in text
        assert "Контрольные точки других стран, отклонённые здесь" in text
        assert "co-signed" not in text and "superseded" not in text
    assert "Witnesses" in en_wide and "Kyrgyzstan" in en_wide
    assert "refused the latest checkpoint" in en_wide and "1 older one superseded" in en_wide
