"""The peers page: health and keys in words, and the `peer` command's actions through the
same services, audited; only coordinators (and admins) see or change it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from exchange import schemas, selectors, services, transport
from exchange.models import OutboundMessage, OutboxEntry, Peer, PeerKey
from node import crypto
from node import services as node_services
from tests.accounts.helpers import create_user, verified_client
from tests.fednet import FakePeer

KZ = FakePeer("KZ")
UZ = FakePeer("UZ")


@pytest.fixture
def node(db: Any, settings: Any, tmp_path: Any) -> None:
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "MD"
    node_services.node_init()
    services.peer_add(country="KZ", url="http://127.0.0.1:9", keys=[(KZ.key_id, KZ.public_key)])


def coordinator(client: Client, language: str = "ru") -> Client:
    from accounts.models import User

    user = User.objects.filter(username="coord").first() or create_user("coord", "coordinator")
    verified_client(client, user)
    client.cookies["django_language"] = language
    return client


def test_fingerprints_are_read_in_groups_of_four() -> None:
    grouped = selectors.fingerprint_groups(KZ.public_key)
    assert grouped.replace(" ", "") == crypto.fingerprint(KZ.public_key)
    assert [len(g) for g in grouped.split(" ")] == [4] * 16


def test_the_page_shows_health_and_keys_in_words(node: None, client: Client) -> None:
    peer = Peer.objects.get(country="KZ")
    failing = timezone.now() - timedelta(hours=2)
    Peer.objects.filter(pk=peer.pk).update(failing_since=failing, last_error="connect refused")
    message = OutboundMessage.objects.create(
        envelope_id="0190e0e0-0000-7000-8000-000000000001", envelope={}, digest="x",
        type="case.update", thread="0190e0e0-0000-7000-8000-000000000001",
        created_at=timezone.now() - timedelta(minutes=42),
    )  # fmt: skip
    OutboxEntry.objects.create(message=message, destination=peer, next_attempt_at=timezone.now())
    page = coordinator(client).get("/peers/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Казахстан (KZ)" in text and "сбои доставки" in text
    assert selectors.fingerprint_groups(KZ.public_key) in text
    assert "42 мин" in text and "доверенный" in text and "UTC+" in text
    assert ">failing<" not in text  # the state in words, never its value
    english = coordinator(Client(), "en").get("/peers/").content.decode()
    assert "deliveries failing" in english and "Kazakhstan (KZ)" in english


@pytest.mark.parametrize("role", ["prosecutor", "auditor"])
def test_only_coordinators_see_or_change_peers(node: None, client: Client, role: str) -> None:
    verified_client(client, create_user("someone", role))
    for url in (
        "/peers/",
        "/peers/add/",
        f"/peers/keys/{KZ.key_id}/distrust/",
        "/peers/KZ/deactivate/",
    ):
        assert client.get(url).status_code == 403, url  # fmt: skip
    assert client.post("/peers/KZ/deactivate/", {"reason": "x"}).status_code == 403
    assert client.post(f"/peers/keys/{KZ.key_id}/distrust/", {"reason": "x"}).status_code == 403
    assert client.post("/peers/KZ/refresh-keys/").status_code == 403
    assert Peer.objects.get(country="KZ").active and PeerKey.objects.get(key_id=KZ.key_id).trusted


@pytest.mark.parametrize(
    ("language", "message"),
    [("ru", "это не открытый ключ Ed25519"), ("en", "not an Ed25519 public key")],
)
def test_enrolment_errors_are_next_to_the_field_and_keep_what_was_typed(
    node: None, client: Client, language: str, message: str
) -> None:
    coordinator(client, language)
    answer = client.post(
        "/peers/add/",
        {"country": "UZ", "url": "http://uz.example:8443", "keys": "UZ:a=not-a-key"},
    )
    text = answer.content.decode()
    assert answer.status_code == 400
    assert 'id="id_keys_error"' in text and message in text
    assert 'value="http://uz.example:8443"' in text and "UZ:a=not-a-key" in text
    assert not Peer.objects.filter(country="UZ").exists()


def test_a_coordinator_enrols_distrusts_and_stops_a_peer_all_audited(
    node: None, client: Client
) -> None:
    coordinator(client)
    answer = client.post(
        "/peers/add/",
        {"country": "UZ", "url": "http://127.0.0.1:9", "keys": f"{UZ.key_id}={UZ.public_key}"},
    )
    assert answer.status_code == 302
    assert Peer.objects.get(country="UZ").keys.get().key_id == UZ.key_id
    empty = client.post(f"/peers/keys/{UZ.key_id}/distrust/", {"reason": ""})
    assert empty.status_code == 400 and PeerKey.objects.get(key_id=UZ.key_id).trusted
    client.post(f"/peers/keys/{UZ.key_id}/distrust/", {"reason": "laptop stolen"})
    key = PeerKey.objects.get(key_id=UZ.key_id)
    assert not key.trusted and key.distrusted_at is not None
    client.post("/peers/UZ/deactivate/", {"reason": "agreement ended"})
    assert not Peer.objects.get(country="UZ").active
    entries = {e.action: e for e in AuditEntry.objects.filter(actor="coord")}
    assert entries["exchange.peer_add"].object_id == "UZ"
    assert entries["exchange.key_distrusted"].details["reason"] == "laptop stolen"
    assert entries["exchange.peer_deactivate"].details["reason"] == "agreement ended"


def test_refresh_keys_learns_a_signed_document_and_the_cli_uses_the_same_service(
    node: None, client: Client, monkeypatch: Any
) -> None:
    newer = FakePeer("KZ", "test-2")
    signed_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    document = KZ.sign(
        KZ.envelope(
            [],
            type="node.keys",
            body={"keys": [{"id": newer.key_id, "public_key": newer.public_key,
                            "valid_from": schemas.format_time(signed_at),
                            "valid_until": None}]},
            created_at=schemas.format_time(signed_at),
        )
    )  # fmt: skip
    from exchange import canonical

    monkeypatch.setattr(transport, "get_keys", lambda url: canonical.dumps(document))
    coordinator(client)
    answer = client.post("/peers/KZ/refresh-keys/", follow=True)
    assert "Новые ключи: KZ:test-2." in answer.content.decode()
    assert PeerKey.objects.get(key_id=newer.key_id).trusted
    refresh = AuditEntry.objects.get(action="exchange.keys_refresh")
    assert (refresh.actor, refresh.details["added"]) == ("coord", [newer.key_id])
    call_command("peer", "refresh-keys", "--country", "KZ")  # same document: nothing new
    assert AuditEntry.objects.filter(action="exchange.keys_refresh").count() == 2
    with pytest.raises(ValidationError):
        services.peer_refresh_keys(country="TJ")


def test_each_peer_shows_its_duty_telephone_from_alerts(node: None, client: Client) -> None:
    from alerts import rota_services

    services.peer_add(country="UZ", url="http://127.0.0.1:9", keys=[(UZ.key_id, UZ.public_key)])
    rota_services.peer_contact_add(
        country="KZ", name="Duty prosecutor", phone="+7 717 200 00 00", note="24/7"
    )
    rows = {p["country"]: p["contacts"] for p in selectors.peers_page()}
    assert rows == {
        "KZ": [{"name": "Duty prosecutor", "phone": "+7 717 200 00 00", "note": "24/7"}],
        "UZ": [],
    }
    text = coordinator(client).get("/peers/").content.decode()
    kz, uz = text.split('id="peer-UZ"')  # peers in country order: KZ, then UZ
    assert "Дежурный телефон" in kz and 'href="tel:+77172000000">+7 717 200 00 00</a>' in kz
    assert "пока не согласован" in uz
    english = coordinator(Client(), "en").get("/peers/").content.decode()
    assert "Duty telephone" in english and "none agreed yet" in english
