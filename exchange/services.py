"""Exchange write side: enrol peers, send messages, refresh peers' keys.

Each function opens (or joins) a transaction and writes its audit entry in it. A sent
message and its outbox rows are committed with the action that caused them; delivery
is queued only after commit (node.jobs.enqueue), and the periodic sweep finds anything
a lost task left behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record
from exchange import canonical, ids, keyring, schemas, signing, transport
from exchange.models import OutboundMessage, OutboxEntry, Peer, PeerKey
from node import crypto, jobs, keystore


def _clean_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValidationError({"url": "the peer's base URL starts with http:// or https://"})
    return url


def peer_add(
    *, country: str, url: str, keys: Iterable[tuple[str, str]], actor: Any = None
) -> tuple[Peer, list[str]]:
    """Enrol (or update) a peer and pin its keys; returns the peer and the keys pinned.

    The fingerprint of each pinned key is what the two coordinators compare by telephone.
    """
    country = country.strip().upper()
    if not schemas.COUNTRY_RE.match(country):
        raise ValidationError({"country": "an ISO 3166-1 alpha-2 code in upper case"})
    if country == settings.NODE_COUNTRY:
        raise ValidationError({"country": "this node cannot enrol itself"})
    url = _clean_url(url)
    keys = list(keys)
    if not keys:
        raise ValidationError({"key": "pin at least one key: COUNTRY:LABEL=<public key>"})
    for key_id, public_key in keys:
        if not schemas.KEY_ID_RE.match(key_id) or key_id.split(":", 1)[0] != country:
            raise ValidationError({"key": f"{key_id}: a key id {country}:LABEL"})
        try:
            crypto.public_key_from_text(public_key)
        except ValueError as exc:
            raise ValidationError({"key": f"{key_id}: not an Ed25519 public key ({exc})"}) from exc
    now = timezone.now()
    pinned: list[str] = []
    with transaction.atomic():
        peer, created = Peer.objects.get_or_create(
            country=country, defaults={"url": url, "enrolled_at": now}
        )
        if not created:
            peer.url = url
            peer.active = True
            peer.save(update_fields=["url", "active"])
        for key_id, public_key in keys:
            existing = PeerKey.objects.filter(key_id=key_id).first()
            if existing is not None and existing.public_key != public_key:
                raise ValidationError({"key": f"{key_id} is already pinned with another key"})
            if existing is None:
                PeerKey.objects.create(peer=peer, key_id=key_id, public_key=public_key)
            elif not existing.trusted:
                existing.trusted = True
                existing.save(update_fields=["trusted"])
            pinned.append(key_id)
        record(
            action="exchange.peer_add",
            actor=actor,
            object_type="peer",
            object_id=country,
            details={
                "url": url,
                "keys": {k: crypto.fingerprint(p) for k, p in keys},
                "created": created,
            },
        )
    return peer, pinned


def peer_deactivate(*, country: str, actor: Any = None) -> Peer:
    """Stop exchanging with a peer: its messages are refused (unknown_peer)."""
    with transaction.atomic():
        peer = Peer.objects.select_for_update().get(country=country.upper())
        peer.active = False
        peer.save(update_fields=["active"])
        record(
            action="exchange.peer_deactivate",
            actor=actor,
            object_type="peer",
            object_id=peer.country,
        )
    return peer


def peer_refresh_keys(*, country: str) -> list[str]:
    """Fetch GET /keys of a peer and learn keys signed by a key we already trust."""
    peer = Peer.objects.get(country=country.upper())
    raw = transport.get_keys(peer.url)
    try:
        envelope = canonical.loads(raw)
    except canonical.CanonicalError as exc:
        raise keyring.KeyProblem("malformed", f"key document: {exc}") from exc
    if not isinstance(envelope, dict):
        raise keyring.KeyProblem("malformed", "key document is not an object")
    return keyring.learn_from_document(peer, envelope)


def _body_urgency(body: dict[str, Any]) -> str:
    value = body.get("urgency")
    return value if isinstance(value, str) and value in schemas.URGENCY else ""


def message_send(
    *,
    type: str,
    to: Iterable[str],
    body: dict[str, Any],
    handling: str = "H0",
    thread: str | None = None,
    in_reply_to: str | None = None,
    actor: Any = None,
    signing_key_id: str | None = None,
    created_at: datetime | None = None,
) -> OutboundMessage:
    """Sign a message and queue one delivery per destination, in the caller's transaction.

    Raises ValidationError (nothing stored) when the type, destinations or body are
    not valid. `signing_key_id`/`created_at` are for the key announcement only: it is
    signed by the key peers already trust, as of the moment that key was retired.
    """
    destinations = [c.strip().upper() for c in to]
    if type not in schemas.INBOX_TYPES:
        raise ValidationError({"type": f"unknown message type {type!r}"})
    if handling not in schemas.HANDLING:
        raise ValidationError({"handling": "one of H0, H1, H2, H3"})
    if not destinations or len(set(destinations)) != len(destinations):
        raise ValidationError({"to": "at least one destination, each once"})
    for value, name in ((thread, "thread"), (in_reply_to, "in_reply_to")):
        if value is not None and not ids.is_uuid(value):
            raise ValidationError({name: "an envelope id (UUID)"})
    problems = schemas.body_problems(type, body, handling)
    if problems:
        raise ValidationError({"body": problems})
    peers = {p.country: p for p in Peer.objects.filter(country__in=destinations, active=True)}
    unknown = sorted(set(destinations) - peers.keys())
    if unknown:
        raise ValidationError({"to": f"not enrolled peers: {', '.join(unknown)}"})

    envelope_id = ids.uuid7()
    moment = (created_at or timezone.now()).replace(microsecond=0)
    envelope: dict[str, Any] = {
        "v": schemas.VERSION,
        "id": envelope_id,
        "type": type,
        "origin": settings.NODE_COUNTRY,
        "to": destinations,
        "created_at": schemas.format_time(moment),
        "thread": thread or envelope_id,
        "in_reply_to": in_reply_to,
        "handling": handling,
        "body": body,
    }
    try:
        payload_size = len(canonical.dumps(envelope))
    except canonical.CanonicalError as exc:
        raise ValidationError({"body": f"not canonical JSON: {exc}"}) from exc
    if payload_size > schemas.MAX_ENVELOPE_BYTES - 200:
        raise ValidationError({"body": "the message is larger than 1 MiB"})
    if signing_key_id is None:
        key = keystore.current_signing_key()
        key_id, private_key = key.key_id, key.private_key
    else:
        key_id, private_key = signing_key_id, keystore.load_private_key(signing_key_id)
    signed = signing.sign(envelope, key_id=key_id, private_key=private_key)
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            envelope_id=envelope_id,
            envelope=signed,
            digest=signing.digest(signed),
            type=type,
            thread=envelope["thread"],
            in_reply_to=in_reply_to,
            urgency=_body_urgency(body),
            created_at=moment,
        )
        entries = OutboxEntry.objects.bulk_create(
            [
                OutboxEntry(message=message, destination=peers[c], next_attempt_at=now)
                for c in destinations
            ]
        )
        record(
            action="exchange.send",
            actor=actor,
            object_type="envelope",
            object_id=envelope_id,
            details={"type": type, "to": destinations, "handling": handling, "key_id": key_id},
        )
        for entry in entries:
            if entry.pk is None:  # backends without RETURNING on bulk insert
                entry.pk = OutboxEntry.objects.get(
                    message=message, destination=entry.destination
                ).pk
            jobs.enqueue("exchange.tasks.deliver", entry.pk)
    return message


def announce_keys(*, new_key_id: str) -> OutboundMessage | None:
    """Send `node.keys` to every active peer, signed by the key they already trust."""
    countries = list(Peer.objects.filter(active=True).values_list("country", flat=True))
    if not countries:
        return None
    signer, signed_at = keyring.announcing_key()
    return message_send(
        type="node.keys",
        to=countries,
        body={"keys": keyring.published_keys()},
        signing_key_id=signer.key_id,
        created_at=signed_at,
    )
