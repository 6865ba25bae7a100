"""Signed checkpoints of this node's audit log, sent to every peer to witness.

Every AUDIT_CHECKPOINT_MINUTES (and on `manage.py checkpoint send`) this node signs the
head of its audit log (RFC 9162 tree size and root, `audit.services.tree_head`) and
sends it to each peer as its own `audit.checkpoint` envelope, with a consistency proof
from the last head THAT peer co-signed (none on the first: trust on first use). The
peer's receipt is its cosignature; the outbox keeps it (OutboxEntry.receipt), so the
last head each witness co-signed is the body of the last delivered checkpoint to it.

Per peer, each round (one transaction, the peer row locked):

    the last checkpoint sent to it (queued, delivered or refused) still describes the
    log (no entry since but the checkpoints' own send/receive entries, same root at its
    size)                                    -> nothing (idempotent; no resend of a refusal)
    a checkpoint to it in flight (claimed),  -> nothing this round (its receipt decides
    or maybe stored there (timed out)           which head the next proof starts from)
    otherwise                                -> queued checkpoints to it become
                                                `superseded` (shown on the peers page), a
                                                new one is queued: a peer that was down
                                                catches up with ONE checkpoint and ONE proof

A witness refusing a checkpoint (422: the log does not extend what it co-signed) fails
the entry like any refusal (delivery_failed: the coordinators are alerted here too).

Only a checkpoint the witness surely did not store is superseded (never tried, never
connected, or answered without a receipt: NOT_STORED_THERE). One whose post timed out
after connecting may have been stored there: it is retried until the witness answers
(its receipt again, by the seen-id rule), else the next proof would start at an older
head than the witness holds and be refused: a false alarm. Known limit: only the last
attempt's error is looked at.

Verification (`audit verify --witnessed`, `--against FILE`) reads the heads registered
here with audit.witnesses: the receipts kept here, each peer's signed `audit.witnessed`
answer, and exported heads (`checkpoint export FILE`) verified with this node's keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit import services as audit_services
from audit import witnesses
from audit.models import AuditEntry
from exchange import canonical, ids, keyring, outbox, schemas, services, signing, transport
from exchange.models import OutboxEntry, OutboxStatus, Peer
from node import keystore, places
from node.models import NodeKey

TYPE = schemas.AUDIT_CHECKPOINT.name
# The entries a checkpoint round itself writes (here and at the witnesses): a log that
# grew by these only has not changed, or two nodes would checkpoint each other for ever.
OWN_ACTIONS = ("exchange.send", "exchange.received")
KEPT_HERE = "co-signed receipt kept here"


@dataclass(frozen=True)
class Head:
    size: int
    root_hash: str


def head_of(entry: OutboxEntry) -> Head:
    body = entry.message.envelope["body"]
    return Head(int(body["size"]), str(body["root_hash"]))


# A queued checkpoint the witness surely did not store: never tried, never reached (the
# connection failed), or answered without a receipt (an HTTP answer: 5xx, 429...). One
# whose last post got no answer after connecting (a timeout) may be stored there: it is
# retried, not superseded, so that the next proof starts from the head the witness holds.
NOT_STORED_THERE = (
    Q(attempts=0)
    | Q(last_status__isnull=False)
    | Q(last_error__startswith="ConnectError")
    | Q(last_error__startswith="ConnectTimeout")
)


def checkpoints_to(peer: Peer) -> QuerySet[OutboxEntry]:
    return OutboxEntry.objects.select_related("message", "destination").filter(
        destination=peer, message__type=TYPE
    )


def last_sent(peer: Peer) -> OutboxEntry | None:
    """The newest checkpoint to `peer` that was not superseded (queued, delivered, failed)."""
    return checkpoints_to(peer).exclude(status=OutboxStatus.SUPERSEDED).order_by("-id").first()


def last_cosigned(peer: Peer) -> OutboxEntry | None:
    """The newest checkpoint `peer` gave its receipt for: the head it co-signed."""
    return checkpoints_to(peer).filter(status=OutboxStatus.DELIVERED).order_by("-id").first()


def describes_log(head: Head, roots: dict[int, str]) -> bool:
    """Does `head` still describe the log: nothing appended since but checkpoint traffic,
    and the same root at its size? (`roots` caches roots by size within one round.)"""
    changed = (
        AuditEntry.objects.filter(seq__gt=head.size)
        .exclude(action__in=OWN_ACTIONS, details__type=TYPE)
        .exists()
    )
    if changed:
        return False
    if head.size not in roots:
        try:
            roots[head.size] = audit_services.tree_head(head.size)["root_hash"]
        except ValueError:  # the log is shorter than that now
            roots[head.size] = ""
    return roots[head.size] == head.root_hash


def _consistency(cosigned: Head, head: Head) -> schemas.CheckpointConsistency:
    """The proof from the co-signed head; none is possible for a log that shrank (the
    witness refuses that as a rollback, which is the point)."""
    proof: list[str] = []
    if 0 < cosigned.size < head.size:
        proof = audit_services.consistency_proof(cosigned.size, head.size)
    return {"from_size": cosigned.size, "from_root": cosigned.root_hash, "proof": proof}


class _InFlight(Exception):
    """A checkpoint to this peer is being posted now: leave the peer for the next round."""


def _send_to(peer: Peer, head: Head, at: str, roots: dict[int, str], actor: Any) -> str:
    Peer.objects.select_for_update(no_key=True).filter(pk=peer.pk).first()
    last = last_sent(peer)
    if last is not None and describes_log(head_of(last), roots):
        return "unchanged"
    now = timezone.now()
    OutboxEntry.objects.filter(
        destination=peer, message__type=TYPE, status=OutboxStatus.QUEUED
    ).filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now)).filter(
        NOT_STORED_THERE
    ).update(status=OutboxStatus.SUPERSEDED, superseded_at=now)
    if checkpoints_to(peer).filter(status=OutboxStatus.QUEUED).exists():
        raise _InFlight
    body: dict[str, Any] = {"size": head.size, "root_hash": head.root_hash, "at": at}
    cosigned = last_cosigned(peer)
    if cosigned is not None:
        body["consistency"] = _consistency(head_of(cosigned), head)
    services.message_send(type=TYPE, to=[peer.country], body=body, actor=actor)
    return "sent"


def send(*, actor: Any = None) -> dict[str, str]:
    """One round: {country: "sent" | "unchanged" | "in flight"} for every active peer."""
    outcomes: dict[str, str] = {}
    roots: dict[int, str] = {}
    tree = audit_services.tree_head()
    head = Head(tree["size"], tree["root_hash"])
    roots[head.size] = head.root_hash
    at = schemas.format_time(timezone.now())
    for peer in Peer.objects.filter(active=True).order_by("country"):
        try:
            with transaction.atomic():
                outcomes[peer.country] = _send_to(peer, head, at, roots, actor)
        except _InFlight:
            outcomes[peer.country] = "in flight"
    return outcomes


# -- the heads others signed, for `audit verify --witnessed` -----------------------------


def receipt_time(entry: OutboxEntry) -> datetime | None:
    received = (entry.receipt or {}).get("body", {}).get("received_at")
    return schemas.parse_time(received) if isinstance(received, str) else entry.delivered_at


def cosigned_heads() -> list[witnesses.SignedHead]:
    """The last head each peer co-signed, from the receipts kept here (re-verified with
    the peer's keys held now: a receipt that no longer verifies is not counted)."""
    heads = []
    for peer in Peer.objects.order_by("country"):
        entry = last_cosigned(peer)
        if entry is None or not outbox.verify_stored_receipt(entry):
            continue
        head = head_of(entry)
        heads.append(
            witnesses.SignedHead(
                head.size, head.root_hash, peer.country, receipt_time(entry), KEPT_HERE
            )
        )
    return heads


class WitnessedProblem(ValueError):
    """A peer's `audit.witnessed` answer cannot be trusted (not signed by it, not for us)."""


def read_witnessed(country: str, raw: bytes) -> witnesses.SignedHead | None:
    """Verify a peer's `audit.witnessed` answer (its signature with a key of it we
    trust) and read the head it co-signed for this node (None: it witnessed nothing)."""
    try:
        envelope = canonical.loads(raw)
    except canonical.CanonicalError as exc:
        raise WitnessedProblem(f"not canonical JSON: {exc}") from exc
    problems = schemas.envelope_problems(envelope)
    if not problems and envelope["type"] != schemas.AUDIT_WITNESSED.name:
        problems = [f"type {envelope['type']}, not {schemas.AUDIT_WITNESSED.name}"]
    if not problems:
        problems = schemas.body_problems(envelope["type"], envelope["body"])
    if problems:
        raise WitnessedProblem("; ".join(problems))
    if envelope["body"]["origin"] != settings.NODE_COUNTRY or envelope["to"] != [
        settings.NODE_COUNTRY
    ]:
        raise WitnessedProblem("the answer is about another node's log")
    try:
        keyring.verify_from(country, envelope)
    except keyring.KeyProblem as exc:
        raise WitnessedProblem(f"{exc.code}: {exc.message}") from exc
    head = envelope["body"]["head"]
    if head is None:
        return None
    return witnesses.SignedHead(
        int(head["size"]),
        str(head["root_hash"]),
        country,
        schemas.parse_time(head["witnessed_at"]),
        f"fetched from {country}",
    )


def fetched_heads(country: str) -> list[witnesses.SignedHead]:
    """What `country` says it co-signed for this node (GET, signature verified); [] when
    it is not an active peer (this node itself included). Raises when it cannot be
    reached or its answer is bad."""
    peer = Peer.objects.filter(country=country, active=True).first()
    if peer is None:
        return []
    head = read_witnessed(country, transport.get_witnessed(peer.url, settings.NODE_COUNTRY))
    return [head] if head is not None else []


# -- an exported head (`checkpoint export FILE`, `audit verify --against FILE`) ----------


def export_document() -> dict[str, Any]:
    """This node's signed head now: an `audit.checkpoint` envelope to nobody (`to` = []),
    without consistency, signed with the current key."""
    tree = audit_services.tree_head()
    now = schemas.format_time(timezone.now())
    envelope = schemas.unsigned_envelope(
        envelope_id=ids.uuid7(),
        type=TYPE,
        origin=settings.NODE_COUNTRY,
        to=[],
        created_at=now,
        body={"size": tree["size"], "root_hash": tree["root_hash"], "at": now},
    )
    key = keystore.current_signing_key()
    return signing.sign(envelope, key_id=key.key_id, private_key=key.private_key)


def read_exported(data: bytes, name: str = "exported head") -> witnesses.SignedHead:
    """Verify an exported head with this node's own keys; ValueError when it is not one."""
    try:
        envelope = canonical.loads(data)
    except canonical.CanonicalError as exc:
        raise ValueError(f"not canonical JSON: {exc}") from exc
    problems = schemas.envelope_problems(envelope)
    if not problems and envelope["type"] != TYPE:
        problems = [f"type {envelope['type']}, not {TYPE}"]
    if not problems:
        problems = schemas.body_problems(TYPE, envelope["body"])
    if problems:
        raise ValueError("; ".join(problems))
    if envelope["origin"] != settings.NODE_COUNTRY:
        raise ValueError(f"a head of {envelope['origin']}'s log, not of this node's")
    key_id = envelope["signature"]["key_id"]
    key = NodeKey.objects.filter(key_id=key_id).first()
    if key is None:
        raise ValueError(f"signed by {key_id}, which is not a key of this node")
    signed_at = schemas.parse_time(envelope["created_at"])
    if signed_at < key.valid_from or (key.valid_until and signed_at > key.valid_until):
        raise ValueError(f"{key_id} was not valid at {envelope['created_at']}")
    if not signing.verify(envelope, key.public_key):
        raise ValueError("the signature does not verify")
    body = envelope["body"]
    return witnesses.SignedHead(int(body["size"]), body["root_hash"], key_id, signed_at, name)


def register() -> None:
    """Give audit the sources of signed heads and the witnesses' state for its page
    (exchange's AppConfig.ready)."""
    from audit import checkpoint_status
    from exchange import witness_status

    checkpoint_status.register(witness_status.status)
    witnesses.register_head_source("kept here", cosigned_heads)
    for country in sorted(places.COUNTRY_NAMES):  # this node's own: no peer, no heads
        witnesses.register_head_source(f"fetched from {country}", partial(fetched_heads, country))
    witnesses.register_head_file_reader(read_exported)
