"""Exchange write side: enrol peers, send messages, refresh peers' keys.

Each function opens (or joins) a transaction and writes its audit entry in it. A sent
message and its outbox rows are committed with the action that caused them; delivery
is asked for only after commit (outbox.request_run: one run per peer absorbs a burst),
and the periodic sweep finds anything a lost task left behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audited_transaction, record
from exchange import canonical, ids, keyring, outbox, schemas, signing, transport
from exchange.models import OutboundMessage, OutboxEntry, OutboxStatus, Peer, PeerKey
from net247 import db
from node import crypto, keystore


def _clean_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if settings.EXCHANGE_PLAIN_HTTP_PEERS:
        if not url.startswith(("http://", "https://")):
            raise ValidationError({"url": _("The peer's address starts with http:// or https://.")})
    elif not url.startswith("https://"):
        raise ValidationError({"url": _("A production node reaches its peers over https:// only.")})
    return url


@dataclass(frozen=True)
class PinnedKey:
    """A key as enrolment pins it; the dates as the peer's `node show --json` gives them."""

    key_id: str
    public_key: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None


def _check_keys(country: str, keys: list[PinnedKey]) -> None:
    if not keys:
        raise ValidationError({"key": _("Pin at least one key: COUNTRY:LABEL=<public key>.")})
    for key in keys:
        if not schemas.KEY_ID_RE.match(key.key_id) or key.key_id.split(":", 1)[0] != country:
            raise ValidationError(
                {"key": _("%(id)s: a key id is %(c)s:LABEL") % {"id": key.key_id, "c": country}}
            )
        try:
            crypto.public_key_from_text(key.public_key)
        except ValueError as exc:
            raise ValidationError(
                {"key": _("%(id)s: not an Ed25519 public key (%(why)s)")
                 % {"id": key.key_id, "why": exc}}
            ) from exc  # fmt: skip
        if key.valid_from and key.valid_until and key.valid_until < key.valid_from:
            raise ValidationError(
                {"key": _("%(id)s: valid until is before valid from") % {"id": key.key_id}}
            )


def _pin(peer: Peer, key: PinnedKey) -> None:
    """Pin one key of `peer`: new, or trusted again with the dates given. A key the
    operator distrusted stays refused (contract, "Key trust and replies")."""
    existing = PeerKey.objects.select_for_update(no_key=True).filter(key_id=key.key_id).first()
    if existing is None:
        PeerKey.objects.create(
            peer=peer,
            key_id=key.key_id,
            public_key=key.public_key,
            valid_from=key.valid_from,
            valid_until=key.valid_until,
        )
        return
    if existing.public_key != key.public_key or existing.peer_id != peer.pk:
        raise ValidationError(
            {"key": _("%(id)s is already pinned with another key") % {"id": key.key_id}}
        )
    if existing.distrusted_at is not None:
        message = _("%(id)s was distrusted on %(when)s: the peer makes a new key") % {
            "id": key.key_id,
            "when": f"{existing.distrusted_at:%Y-%m-%d}",
        }
        raise ValidationError({"key": message + " (`node rotate-key`)"})
    existing.trusted = True
    fields = ["trusted"]
    if key.valid_from is not None or key.valid_until is not None:
        existing.valid_from, existing.valid_until = key.valid_from, key.valid_until
        fields += ["valid_from", "valid_until"]
    existing.save(update_fields=fields)


@db.retry_on_conflict
def peer_add(
    *,
    country: str,
    url: str,
    keys: Iterable[tuple[str, str] | PinnedKey],
    replace_keys: bool = False,
    actor: Any = None,
) -> tuple[Peer, list[str]]:
    """Enrol (or update) a peer and pin its keys; returns the peer and the keys pinned.

    replace_keys: every other key of the peer stops being trusted (re-enrolment after a
    compromise). The fingerprint of each pinned key is what the two coordinators compare
    by telephone.
    """
    country = country.strip().upper()
    if not schemas.COUNTRY_RE.match(country):
        raise ValidationError({"country": _("A two-letter country code (ISO 3166-1).")})
    if country == settings.NODE_COUNTRY:
        raise ValidationError({"country": _("This node cannot enrol itself.")})
    url = _clean_url(url)
    pinned_keys = [k if isinstance(k, PinnedKey) else PinnedKey(*k) for k in keys]
    _check_keys(country, pinned_keys)
    now = timezone.now()
    with audited_transaction():
        peer, created = Peer.objects.get_or_create(
            country=country, defaults={"url": url, "enrolled_at": now}
        )
        if not created:
            peer.url = url
            peer.active = True
            peer.save(update_fields=["url", "active"])
        for key in pinned_keys:
            _pin(peer, key)
        untrusted: list[str] = []
        if replace_keys:
            others = peer.keys.filter(trusted=True).exclude(
                key_id__in=[k.key_id for k in pinned_keys]
            )
            untrusted = list(others.values_list("key_id", flat=True))
            others.update(trusted=False)
        record(
            action="exchange.peer_add",
            actor=actor,
            object_type="peer",
            object_id=country,
            details={
                "url": url,
                "keys": {k.key_id: crypto.fingerprint(k.public_key) for k in pinned_keys},
                "created": created,
                "untrusted": untrusted,
            },
        )
    return peer, [k.key_id for k in pinned_keys]


@db.retry_on_conflict
def peer_distrust_key(*, key_id: str, actor: Any = None, reason: str = "") -> PeerKey:
    """Stop trusting one key of a peer at once and for good (a compromise): whatever its
    dates, a later enrolment or a `node.keys` (contract section 6). `reason` (the page
    asks for one) goes into the audit entry."""
    with audited_transaction():
        key = (
            PeerKey.objects.select_for_update(no_key=True)
            .select_related("peer")
            .filter(key_id=key_id)
            .first()
        )
        if key is None:
            raise ValidationError(
                {"key_id": _("%(id)s is not a pinned key of any peer") % {"id": key_id}}
            )
        if key.distrusted_at is None:
            key.trusted, key.distrusted_at = False, timezone.now()
            key.save(update_fields=["trusted", "distrusted_at"])
        record(
            action="exchange.key_distrusted",
            actor=actor,
            object_type="peer",
            object_id=key.peer.country,
            details={
                "key_id": key.key_id,
                "fingerprint": crypto.fingerprint(key.public_key),
                "reason": reason.strip()[:500],
            },
        )
    return key


@db.retry_on_conflict
def peer_deactivate(*, country: str, actor: Any = None, reason: str = "") -> Peer:
    """Stop exchanging with a peer: its messages are refused (unknown_peer) and its keys
    are no longer trusted; enrolling it again pins the keys the coordinators compared."""
    with audited_transaction():
        peer = Peer.objects.select_for_update(no_key=True).filter(country=country.upper()).first()
        if peer is None:
            raise ValidationError(
                {"country": _("%(c)s is not an enrolled peer") % {"c": country.upper()}}
            )
        peer.active = False
        peer.save(update_fields=["active"])
        untrusted = list(peer.keys.filter(trusted=True).values_list("key_id", flat=True))
        peer.keys.filter(trusted=True).update(trusted=False)
        record(
            action="exchange.peer_deactivate",
            actor=actor,
            object_type="peer",
            object_id=peer.country,
            details={"untrusted": untrusted, "reason": reason.strip()[:500]},
        )
    return peer


def peer_refresh_keys(*, country: str, actor: Any = None) -> list[str]:
    """Fetch GET /keys of a peer and learn keys signed by a key we already trust.

    Who asked is audited (`exchange.keys_refresh`, with the keys added) once the document
    verified; a refused or unreachable document raises and records nothing (the keys
    stay as they were)."""
    peer = Peer.objects.filter(country=country.upper()).first()
    if peer is None:
        raise ValidationError(
            {"country": _("%(c)s is not an enrolled peer") % {"c": country.upper()}}
        )
    raw = transport.get_keys(peer.url)
    try:
        envelope = canonical.loads(raw)
    except canonical.CanonicalError as exc:
        raise keyring.KeyProblem("malformed", f"key document: {exc}") from exc
    if not isinstance(envelope, dict):
        raise keyring.KeyProblem("malformed", "key document is not an object")
    with transaction.atomic():
        added = keyring.learn_from_document(peer, envelope)
        record(
            action="exchange.keys_refresh",
            actor=actor,
            object_type="peer",
            object_id=peer.country,
            details={"added": added},
        )
    return added


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
    envelope, peers = _build(type, to, body, handling, thread, in_reply_to, created_at)
    signed = _sign(envelope, signing_key_id)
    return _store(signed, peers, actor)


def _build(
    type: str,
    to: Iterable[str],
    body: dict[str, Any],
    handling: str,
    thread: str | None,
    in_reply_to: str | None,
    created_at: datetime | None,
) -> tuple[schemas.Envelope, dict[str, Peer]]:
    """The unsigned envelope and the active peers it goes to; ValidationError when the
    message is not valid or would not fit in an inbox (1 MiB)."""
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
    envelope = schemas.unsigned_envelope(
        envelope_id=ids.uuid7(),
        type=type,
        origin=settings.NODE_COUNTRY,
        to=destinations,
        created_at=schemas.format_time(created_at or timezone.now()),
        thread=thread,
        in_reply_to=in_reply_to,
        handling=handling,
        body=body,
    )
    try:
        payload_size = len(canonical.dumps(envelope))
    except canonical.CanonicalError as exc:
        raise ValidationError({"body": f"not canonical JSON: {exc}"}) from exc
    if payload_size > schemas.MAX_ENVELOPE_BYTES - 200:
        raise ValidationError({"body": "the message is larger than 1 MiB"})
    return envelope, peers


def _sign(envelope: schemas.Envelope, signing_key_id: str | None) -> dict[str, Any]:
    """Signed with the current key, or with `signing_key_id` (the key announcement)."""
    if signing_key_id is None:
        key = keystore.current_signing_key()
        key_id, private_key = key.key_id, key.private_key
    else:
        key_id, private_key = signing_key_id, keystore.load_private_key(signing_key_id)
    return signing.sign(envelope, key_id=key_id, private_key=private_key)


def _store(signed: dict[str, Any], peers: dict[str, Peer], actor: Any) -> OutboundMessage:
    """The message, one outbox row per destination and the audit entry: three
    statements; each destination's queue runs after commit."""
    destinations: list[str] = signed["to"]
    now = timezone.now()
    # No savepoint: nothing here is retried inside the caller's transaction, and an error
    # fails the caller's action with it (a savepoint is two more round trips per message).
    with transaction.atomic(savepoint=False):
        message = OutboundMessage(
            envelope_id=signed["id"],
            envelope=signed,
            digest=signing.digest(signed),
            type=signed["type"],
            thread=signed["thread"],
            in_reply_to=signed["in_reply_to"],
            urgency=_body_urgency(signed["body"]),
            created_at=schemas.parse_time(signed["created_at"]),
        )
        db.insert(message)  # the sender's hot path: one cached INSERT each (net247.db)
        db.insert_all(
            [
                OutboxEntry(message=message, destination=peers[c], next_attempt_at=now)
                for c in destinations
            ]
        )
        record(
            action="exchange.send",
            actor=actor,
            object_type="envelope",
            object_id=signed["id"],
            details={
                "type": signed["type"],
                "to": destinations,
                "handling": signed["handling"],
                "key_id": signed["signature"]["key_id"],
            },
        )
        for country in destinations:
            # One run of each peer's queue delivers a burst of messages (outbox.request_run).
            transaction.on_commit(partial(outbox.request_run, country))
    return message


def announce_presence() -> OutboundMessage | None:
    """At start: our `node.keys`, signed now with our current key, to every active peer
    that has none queued. A peer receiving it has heard from us, so a backlog it kept
    for us while we were down is delivered at once instead of after its back-off.

    Peers with a `node.keys` still queued (a rotation they have not received) are
    skipped: they could not verify the current key yet, and that queued one will do."""
    waiting = OutboxEntry.objects.filter(
        status=OutboxStatus.QUEUED, message__type="node.keys"
    ).values_list("destination__country", flat=True)
    countries = sorted(
        set(Peer.objects.filter(active=True).values_list("country", flat=True)) - set(waiting)
    )
    if not countries:
        return None
    return message_send(
        type="node.keys",
        to=countries,
        body={"keys": keyring.published_keys()},
    )


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
