"""Receiving an envelope (contract section 4): every check in the contract's order.

    size -> canonical & valid envelope -> enrolled origin -> addressed to us -> key
    -> signature -> clock skew (300 s ahead, 30 days behind) -> (rate limit)
    -> seen before? -> type/v/body -> a reply refers to what we sent it -> store

Nothing is written before the signature verified; a rejection writes only its audit
entry. (origin, id) is unique: a repeat with the same digest gets the first receipt
back, another digest gets 409. The message's handler runs in the transaction that
stores it (see _save_and_handle): the receipt the peer gets means the message and its
effects are committed together. A handler that raises undoes that transaction, and the
message is stored again without any effect of it: NotYet leaves it `waiting` (retried
when more of its thread arrives and by the periodic sweep); any other error leaves it
`failed`, audited, for an operator, and the coordinators are alerted
(signals.message_failed). A `node.keys` handler (before_receipt) fails the whole
request instead, and the peer retries, because its receipt says the new key is known
here. A handler that refuses what the message says (handlers.Refused) gets the peer the
contract's error instead of a receipt; so does a message this database cannot store.

Everything read before verifying (peer, key, our signing key, waiting messages of the
thread) is one query (selectors.inbox_context): per-request ORM work was most of the
inbox's own cost.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import redis
from django.conf import settings
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from audit.services import audited_transaction, deferred, record
from exchange import (
    canonical,
    handlers,
    ids,
    keyring,
    outbox,
    ratelimit,
    schemas,
    selectors,
    signals,
    signing,
)
from exchange.models import InboundMessage, InboundState, Peer
from net247 import db
from node import counters, keystore

logger = logging.getLogger(__name__)
MAX_SKEW = timedelta(seconds=300)
MAX_AGE = outbox.MAX_AGE  # the contract's 30 days: what a sender still retries
# Replies and where they name what they answer (contract, "Key trust and replies").
REPLY_TYPES = ("alert.ack", "case.response", "takedown.status", "match.answer")
ONCE = ("origin", "envelope_id")  # InboundMessage's unique constraint `inbound_once`


@dataclass
class Outcome:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    message_id: int | None = None


class Rejected(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


def _rate_limited(country: str) -> int | None:
    """Fixed window per peer: BURST requests per BURST/RATE seconds. Returns Retry-After."""
    rate = max(1, int(settings.EXCHANGE_INBOX_RATE))
    burst = max(1, int(settings.EXCHANGE_INBOX_BURST))
    window = max(1, burst // rate)
    now = timezone.now().timestamp()
    slot = int(now // window)
    if ratelimit.hit(f"inbox:{country}", slot, window, burst) > burst:
        return max(1, int((slot + 1) * window - now) + 1)
    return None


def _make_receipt(
    envelope: dict[str, Any], digest: str, received: str, signing_key_id: str
) -> dict[str, Any]:
    unsigned = schemas.unsigned_envelope(
        envelope_id=ids.uuid7(),
        type="receipt",
        origin=settings.NODE_COUNTRY,
        to=[envelope["origin"]],
        created_at=received,
        thread=envelope["thread"],
        in_reply_to=envelope["id"],
        body={"ref": envelope["id"], "digest": digest, "received_at": received},
    )
    key = keystore.signing_key(signing_key_id)
    return signing.sign(unsigned, key_id=key.key_id, private_key=key.private_key, fresh=True)


@dataclass(frozen=True)
class Verified:
    """An envelope that passed the checks up to the clock, with what storing it needs."""

    envelope: dict[str, Any]
    peer: Peer
    signing_key_id: str  # ours, for the receipt
    thread_waiting: bool  # its thread has waiting messages: retry them after this one
    digest: str  # what the receipt pins


def _check(raw: bytes) -> Verified:
    """The contract's checks up to the signature and clock; raises Rejected."""
    if len(raw) > schemas.MAX_ENVELOPE_BYTES:
        raise Rejected(413, "too_large", "envelopes are at most 1 MiB of canonical JSON")
    try:
        envelope = canonical.loads(raw)
    except canonical.CanonicalError as exc:
        raise Rejected(400, "malformed", f"not canonical JSON: {exc}") from exc
    problems = schemas.envelope_problems(envelope)
    if problems:
        raise Rejected(400, "malformed", "; ".join(problems))
    key_id = envelope["signature"]["key_id"]
    context = selectors.inbox_context(envelope["origin"], key_id, envelope["thread"])
    peer = context.peer
    if peer is None:
        raise Rejected(403, "unknown_peer", f"{envelope['origin']} is not an enrolled peer")
    if settings.NODE_COUNTRY not in envelope["to"]:
        raise Rejected(403, "not_addressed", f"{settings.NODE_COUNTRY} is not in `to`")
    created_at = schemas.parse_time(envelope["created_at"])
    try:
        key = keyring.usable_key(peer.country, key_id, context.key, created_at)
    except keyring.KeyProblem as exc:
        raise Rejected(401, exc.code, exc.message) from exc
    signed_bytes = signing.signing_input(envelope, parsed=True)
    if not signing.verify(envelope, key.public_key, signed_bytes):
        raise Rejected(401, "bad_signature", "the signature does not verify")
    now = timezone.now()
    if created_at > now + MAX_SKEW:
        raise Rejected(400, "clock_skew", "created_at is more than 300 s in the future")
    if created_at < now - MAX_AGE:
        raise Rejected(400, "clock_skew", "created_at is more than 30 days in the past")
    if context.signing_key_id is None:
        raise keystore.KeyStoreError("this node has no key yet: run `python manage.py node init`")
    return Verified(
        envelope,
        peer,
        context.signing_key_id,
        context.thread_waiting,
        signing.digest(envelope, signed_bytes),
    )


# Seconds a peer is asked to wait when this node cannot store anything (its database
# is down or its disk full); a peer retries 5xx anyway, with its own back-off.
UNAVAILABLE_RETRY_AFTER = 30
# What cannot reach or write the database (PostgreSQL down, SQLite's "database or disk
# is full", PostgreSQL's DiskFull) or Redis (the rate limit's counter).
_UNAVAILABLE = (OperationalError, InterfaceError, redis.RedisError)


def receive(raw: bytes, *, client_ip: str) -> Outcome:
    """Run the inbox on one request body and say what to answer: 503 `unavailable` in
    the contract's error shape when the node cannot store (nothing was: the transaction
    rolled back), so that the peer retries; its log line says what failed."""
    try:
        return _receive(raw, client_ip=client_ip)
    except _UNAVAILABLE as exc:
        return _unavailable(exc)


def _unavailable(exc: Exception) -> Outcome:
    text = (str(exc).strip().splitlines() or [""])[0][:300]
    lowered = text.lower()
    if "full" in lowered or "no space left" in lowered:
        reason = "its disk is full"
    elif isinstance(exc, redis.RedisError):
        reason = "its Redis is unavailable"
    else:
        reason = "its database is unavailable"
    logger.error("inbox: cannot store messages (%s): %s: %s", reason, type(exc).__name__, text)
    message = f"this node cannot store messages now ({reason}); retry later"
    return Outcome(
        503,
        {"error": {"code": "unavailable", "message": message}},
        {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)},
    )


def _receive(raw: bytes, *, client_ip: str) -> Outcome:
    origin = ""
    try:
        verified = _check(raw)
        origin = verified.peer.country
        retry_after = _rate_limited(origin)
        if retry_after is not None:
            raise Rejected(429, "rate_limited", "too many requests from this peer", retry_after)
        return _store(verified)
    except Rejected as exc:
        counters.add(selectors.rejection_counter(exc.code))
        _audit_rejection(exc, origin, client_ip)
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
        return Outcome(exc.status, {"error": {"code": exc.code, "message": exc.message}}, headers)


def _audit_rejection(exc: Rejected, origin: str, client_ip: str) -> None:
    """Audit a rejection, at most EXCHANGE_REJECTION_AUDIT_LIMIT per window and source:
    a flood of bad envelopes must not flood the audit log. The first one over the limit
    writes an entry saying so; the rest are counted, and the count is written as one
    summary entry when the source is next audited."""
    source = origin or client_ip or "unknown"
    limit = max(1, int(settings.EXCHANGE_REJECTION_AUDIT_LIMIT))
    window = max(1, int(settings.EXCHANGE_REJECTION_AUDIT_WINDOW))
    slot = int(timezone.now().timestamp() // window)
    count = ratelimit.hit(f"rejected:{source}", slot, window, limit)
    details = {"code": exc.code, "status": exc.status, "reason": exc.message[:200]}
    if count > limit:
        first = _suppressed.count(source)
        if first:
            with transaction.atomic():
                record(
                    action="exchange.rejections_throttled",
                    peer=origin,
                    client_ip=client_ip,
                    outcome="rejected",
                    details={**details, "limit": limit, "window_seconds": window},
                )
        return
    with transaction.atomic():
        earlier = _suppressed.take(source)
        if earlier:
            record(
                action="exchange.rejections_suppressed",
                peer=origin,
                client_ip=client_ip,
                outcome="rejected",
                details={"count": earlier[0], "since": earlier[1], "limit": limit},
            )
        record(
            action="exchange.rejected",
            peer=origin,
            client_ip=client_ip,
            outcome="rejected",
            details=details,
        )


class _SuppressedRejections:
    """Rejections counted but not audited, per source, in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_source: dict[str, tuple[int, str]] = {}

    def count(self, source: str) -> bool:
        """Count one; True for the first since the source was last audited."""
        with self._lock:
            count, since = self._by_source.get(source, (0, ""))
            self._by_source[source] = (count + 1, since or schemas.format_time(timezone.now()))
            return count == 0

    def take(self, source: str) -> tuple[int, str] | None:
        with self._lock:
            return self._by_source.pop(source, None)


_suppressed = _SuppressedRejections()


def _seen(envelope: dict[str, Any], digest: str) -> Outcome | None:
    previous = (
        InboundMessage.objects.filter(origin=envelope["origin"], envelope_id=envelope["id"])
        .only("digest", "receipt")
        .first()
    )
    if previous is None:
        return None
    if previous.digest == digest:
        return Outcome(200, previous.receipt)
    raise Rejected(409, "conflict", "this id was received before with another content")


def _unsupported(envelope: dict[str, Any]) -> Rejected | None:
    if envelope["v"] != schemas.VERSION or envelope["type"] not in schemas.INBOX_TYPES:
        return Rejected(422, "unsupported", f"type {envelope['type']} v{envelope['v']} unsupported")
    if envelope["type"] in schemas.MATCH_TYPES and not settings.PRIVATE_MATCH_ENABLED:
        # The private match is an extension this node may leave off (issue 22).
        return Rejected(422, "unsupported", "this node does not take part in private matching")
    problems = schemas.body_problems(
        envelope["type"], envelope["body"], envelope["handling"], envelope["created_at"]
    )
    if problems:
        return Rejected(422, "invalid_body", "; ".join(problems))
    return _unbound_reply(envelope)


def _unbound_reply(envelope: dict[str, Any]) -> Rejected | None:
    """A reply must refer to a message this node sent to the reply's origin (the
    contract's rule): an `alert.ack` names it in `ref`, the others in `in_reply_to`
    (or, without one, their `thread`)."""
    if envelope["type"] not in REPLY_TYPES:
        return None
    if envelope["type"] == "alert.ack":
        ref = envelope["body"]["ref"]
    else:
        ref = envelope["in_reply_to"] or envelope["thread"]
    if selectors.sent_to(ref, envelope["origin"]):
        return None
    return Rejected(
        422,
        "invalid_body",
        f"{envelope['type']} refers to {ref}, which this node did not send to {envelope['origin']}",
    )


def _store(verified: Verified) -> Outcome:
    envelope, peer, digest = verified.envelope, verified.peer, verified.digest
    problem = _unsupported(envelope)
    if problem is not None:
        # The contract asks "seen before?" first; only a refusal pays for that lookup,
        # an accepted envelope learns it from the unique (origin, id) insert below.
        seen = _seen(envelope, digest)
        if seen is not None:
            return seen
        raise problem
    now = timezone.now()
    receipt = _make_receipt(envelope, digest, schemas.format_time(now), verified.signing_key_id)
    message = _new_message(envelope, peer, digest, receipt, now)
    handler = handlers.handler_for(envelope["type"])
    try:
        stored = _save_and_handle(message, handler)
    except handlers.OverBudget as over:
        raise Rejected(429, over.code, over.message, over.retry_after) from over
    except handlers.Refused as refused:
        _tell_refused(envelope, refused)
        raise Rejected(422, refused.code, refused.message) from refused
    except HandlerRaised as raised:
        # Nothing of the first attempt holds: store the message again, without effects.
        message = _new_message(envelope, peer, digest, receipt, now)
        try:
            stored = _save_unprocessed(message, raised.__cause__)
        except _STORAGE_ERRORS as exc:
            raise _unstorable(exc) from exc
    except _STORAGE_ERRORS as exc:
        raise _unstorable(exc) from exc
    if not stored:
        # The same (origin, id) is stored already, maybe by a concurrent delivery that
        # committed first: answer as a repeat.
        seen = _seen(envelope, digest)
        if seen is None:
            raise RuntimeError(f"{peer.country}/{envelope['id']} conflicted but is not stored")
        return seen
    _after_commit(message, peer, verified.thread_waiting)
    return Outcome(202, receipt, message_id=message.pk)


def _tell_refused(envelope: dict[str, Any], refused: handlers.Refused) -> None:
    """A handler refused what the message says, with details (handlers.Refused): audit
    them beside the throttled rejection entry and tell the apps above, now that the
    handler's transaction is rolled back."""
    if refused.details is None:
        return
    with transaction.atomic():
        record(
            action="exchange.refused",
            peer=envelope["origin"],
            object_type="envelope",
            object_id=envelope["id"],
            outcome="rejected",
            details={"type": envelope["type"], "reason": refused.message[:300], **refused.details},
        )
    signals.message_refused.send_now(
        sender=InboundMessage,
        origin=envelope["origin"],
        envelope_id=envelope["id"],
        type=envelope["type"],
        reason=refused.message,
        details=refused.details,
    )


# What the database refuses to store (PostgreSQL: text with NUL, a value too long). The
# unique (origin, id) conflict never raises (db.insert skips it: a repeat); a lost
# connection is not here either: that is a 500, and the peer retries.
_STORAGE_ERRORS = (DataError, IntegrityError)


def _unstorable(exc: DataError | IntegrityError) -> Rejected:
    if isinstance(exc, IntegrityError):
        logger.warning("inbox: integrity error while storing: %s", exc)
    else:
        logger.warning("inbox: the database refused an envelope: %s", exc)
    return Rejected(422, "invalid_body", "the envelope holds a value this node cannot store")


def _new_message(
    envelope: dict[str, Any], peer: Peer, digest: str, receipt: dict[str, Any], now: datetime
) -> InboundMessage:
    return InboundMessage(
        envelope_id=envelope["id"],
        origin=peer.country,
        digest=digest,
        type=envelope["type"],
        thread=envelope["thread"],
        in_reply_to=envelope["in_reply_to"],
        handling=envelope["handling"],
        envelope=envelope,
        key_id=envelope["signature"]["key_id"],
        created_at=schemas.parse_time(envelope["created_at"]),
        received_at=now,
        receipt=receipt,
        state=InboundState.UNHANDLED,
        processed_at=now,
    )


class HandlerRaised(Exception):
    """The handler raised (its exception is the __cause__); the transaction is undone."""


def _record_received(message: InboundMessage) -> None:
    record(
        action="exchange.received",
        peer=message.origin,
        object_type="envelope",
        object_id=message.envelope_id,
        details={"type": message.type, "digest": message.digest},
    )


def _save_and_handle(message: InboundMessage, handler: handlers.Handler[Any] | None) -> bool:
    """Store the message as processed and run its handler, in one transaction; False if
    its (origin, id) is stored already.

    No savepoint: a handler that raises undoes the whole transaction (HandlerRaised) and
    the caller stores the message again without effects. That costs a second transaction
    on a failure and saves two round trips on every success. The audit entries are
    appended last, in the COMMIT's round trip, so the chain's lock waits for nothing but
    the database (audited_transaction)."""
    with audited_transaction():
        if handler is not None:
            message.state, message.attempts = InboundState.PROCESSED, 1
        if not db.insert(message, conflict=ONCE):
            return False
        _record_received(message)
        if handler is None:
            return True
        if handlers.runs_before_receipt(message.type):
            handler(handlers.received(message))  # fails the request: the peer retries
            return True
        try:
            handler(handlers.received(message))
        except handlers.Refused:
            raise
        except Exception as exc:
            raise HandlerRaised(str(exc)) from exc
    return True


def _save_unprocessed(message: InboundMessage, error: BaseException | None) -> bool:
    """Store a message whose handler raised: waiting (NotYet) or failed (audited)."""
    _set_outcome(message, error)
    message.attempts = 1
    with audited_transaction():
        if not db.insert(message, conflict=ONCE):
            return False
        _record_received(message)
        _record_failure(message)
    return True


def _set_outcome(message: InboundMessage, error: BaseException | None) -> None:
    """The message's state after its handler returned (error None) or raised `error`."""
    if error is None:
        message.state = InboundState.PROCESSED
        message.processed_at = timezone.now()
        message.error = ""
        return
    message.processed_at = None
    if isinstance(error, handlers.NotYet):
        message.state = InboundState.WAITING
        message.error = str(error)[:1000]
        return
    logger.error("handler for %s failed", message, exc_info=error)
    message.state = InboundState.FAILED
    message.error = f"{error.__class__.__name__}: {error}"[:1000]


def _record_failure(message: InboundMessage) -> None:
    """Audit a failed handler and tell the coordinators (after commit: a receiver's
    failure must not undo the stored message)."""
    if message.state == InboundState.FAILED:
        record(
            action="exchange.handler_failed",
            peer=message.origin,
            object_type="envelope",
            object_id=message.envelope_id,
            outcome="failure",
            details={"error": message.error[:200]},
        )
        signals.message_failed.send_on_commit(sender=InboundMessage, message=message)


def _handle(message: InboundMessage, handler: handlers.Handler[Any]) -> None:
    """Run `handler` on a stored message in a savepoint of the caller's transaction and set
    the message's state (for messages handled after they were stored: waiting, pending,
    reprocessed). Only the handler's own writes are undone when it raises."""
    error: Exception | None = None
    try:
        with transaction.atomic(), deferred():  # undone together if it raises
            handler(handlers.received(message))
    except Exception as exc:
        error = exc
    _set_outcome(message, error)
    _record_failure(message)


def _after_commit(message: InboundMessage, peer: Peer, thread_waiting: bool) -> None:
    """What follows a stored message, in this request: the peer was heard from, and a
    processed message may unblock waiting ones of its thread. Its failure never costs the
    delivery (the receipt is decided); the periodic sweep retries waiting messages."""
    try:
        outbox.peer_heard(peer)
        _announce(message, thread_waiting)
    except Exception:
        logger.exception("after receiving %s; the sweep retries what waits", message)


def _announce(message: InboundMessage, thread_waiting: bool = True) -> None:
    """thread_waiting False: the thread had no waiting message when this one arrived. One
    that started to wait meanwhile is left to the periodic sweep, as is one that starts
    to wait just after the query below."""
    if message.state in (InboundState.PROCESSED, InboundState.UNHANDLED):
        signals.message_received.send_on_commit(sender=InboundMessage, message=message)
        if thread_waiting:
            retry_waiting(message.thread, exclude=message.pk)


def process(message_id: int) -> str:
    """Hand one stored, not yet processed message to its handler; returns its new state."""
    with transaction.atomic():
        message = (
            InboundMessage.objects.select_for_update(no_key=True)
            .filter(pk=message_id, state__in=[InboundState.PENDING, InboundState.WAITING])
            .first()
        )
        if message is None:
            return "done"
        handler = handlers.handler_for(message.type)
        message.attempts += 1
        if handler is None:
            message.state = InboundState.UNHANDLED
            message.processed_at = timezone.now()
        else:
            _handle(message, handler)
        message.save(update_fields=["state", "attempts", "processed_at", "error"])
    _announce(message)
    return str(message.state)


def retry_waiting(thread: str, *, exclude: int | None = None) -> None:
    """Something of this thread was processed: try its waiting messages again, in order."""
    waiting = InboundMessage.objects.filter(thread=thread, state=InboundState.WAITING)
    if exclude is not None:
        waiting = waiting.exclude(pk=exclude)
    for pk in waiting.order_by("received_at", "id").values_list("pk", flat=True):
        process(pk)


def reprocess(origin: str, envelope_id: str) -> str:
    """Hand a `failed` message to its handler again (after the cause is fixed); audited.

    Failures are not retried by themselves: a handler that raised on a message will
    usually raise again, so an operator decides (`manage.py message reprocess`)."""
    with transaction.atomic():
        updated = InboundMessage.objects.filter(
            origin=origin, envelope_id=envelope_id, state=InboundState.FAILED
        ).update(state=InboundState.PENDING)
        if not updated:
            return "not-failed"
        record(
            action="exchange.reprocess",
            peer=origin,
            object_type="envelope",
            object_id=envelope_id,
        )
    pk = InboundMessage.objects.get(origin=origin, envelope_id=envelope_id).pk
    return process(pk)


def sweep_inbound(limit: int = 200) -> int:
    """Retry waiting messages and finish pending ones a crash left behind."""
    stale = timezone.now() - timedelta(seconds=30)
    pks = list(
        InboundMessage.objects.filter(state=InboundState.WAITING)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    ) + list(
        InboundMessage.objects.filter(state=InboundState.PENDING, received_at__lt=stale)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pks:
        process(pk)
    return len(pks)
