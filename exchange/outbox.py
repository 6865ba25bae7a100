"""Delivery of outbox entries: the sender's duty of the contract, section 4.

State machine of one OutboxEntry (one message, one destination):

    queued --verified receipt (200/202)--> delivered
    queued --other 4xx, or message older than 30 days--> failed   (delivery_failed, once,
                                                                 with the refusal's code)
    queued --no answer, timeout, 5xx, 408, 429, bad receipt--> queued, next_attempt_at later

Back-off is per peer (a per-destination queue, after Synapse): a transient failure
raises the peer's level once per round (failures of attempts made in parallel, or of new
messages sent while it is backed off, join the retry already set); the next attempt is
min(cap, base * 2**level) scaled by a random 0.5..1 jitter (Retry-After honoured for
429, which does not count as failing).
Hearing from the peer (a valid message or receipt) resets the level and makes its
queued entries due at once. An urgent/immediate message still queued after 15 minutes
sends delivery_overdue, once. Signals leave after the state change commits
(exchange.signals): an alerts receiver that fails cannot undo it.

No transaction or row lock is held across network I/O: a worker claims an entry by a
conditional UPDATE of `leased_until` (atomic on PostgreSQL and SQLite alike), posts,
then records the outcome. A claim outlives the HTTP timeout, so two workers never post
the same entry at once, and a killed worker's claim expires. The rows are the truth:
tasks only make delivery faster, the periodic sweep finds whatever is due.

Per peer, one run at a time (deliver_peer, a cache lock) works through its due entries:
PEER_PARALLEL conversations in flight, each in queued order, a queued node.keys first. A
run ends drained, on a retry (the peer backs off), or after PEER_BUDGET_SECONDS, so that a
few worker threads serve every peer in turn; the next run is queued at once when entries
are still due, at Retry-After after a 429, and left to the probe and the sweep while the
peer fails (_after_run).

The run's lock is a lease too: LEASE long, renewed as the run finishes entries (at most
every RENEW_EVERY). A worker SIGKILLed in the middle of a run cannot release it; the lease
then lapses with the claim on the entry it was posting, and the next sweep resumes the
peer's queue (a lock held for the whole run's budget kept every delivery to that peer
waiting for minutes).

A committed message asks for a run of each destination's queue (request_run), not for
a task per entry: while a run holds the peer's lock the entry is that run's to see (in
its loop, or in _after_run, which looks again after the lock is released, so after the
commit); otherwise one deliver_peer task is queued per peer until one starts (a flag
with a TTL, cleared by the task before it looks at the queue). A burst of notifications
costs a few tasks, not one each; a lost task or flag costs at most the sweep's interval,
as a lost task always did.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx
from django import db
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import record
from exchange import canonical, keyring, schemas, signals, signing, transport
from exchange.models import OutboundMessage, OutboxEntry, OutboxStatus, Peer
from node import jobs

logger = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
MAX_AGE = timedelta(days=30)
OVERDUE_AFTER = timedelta(minutes=15)
RETRY_STATUSES = {408, 429}
PEER_BATCH = 50
PEER_PARALLEL = 4
PEER_BUDGET_SECONDS = 20.0  # then the run gives its worker back (_after_run)
RENEW_EVERY = 5.0  # seconds between renewals of a run's lease (LEASE is 60 s)
RUN_REQUESTED_TTL = 30  # seconds: a lost deliver_peer task blocks new ones no longer
HEARD_EVERY = timedelta(seconds=5)  # last_heard_at / last_receipt_at: health, not state
UNANNOUNCED_AFTER = timedelta(minutes=1)  # a failure still untold then: the sweep tells it
ERROR_CODE_RE = re.compile(r"[a-z_]{1,40}")


def backoff_delay(level: int) -> float:
    base = float(settings.EXCHANGE_RETRY_BASE_SECONDS)
    cap = float(settings.EXCHANGE_RETRY_MAX_SECONDS)
    delay: float = min(cap, base * (2 ** min(level, 30))) * random.uniform(0.5, 1.0)  # noqa: S311
    return delay


def peer_heard(peer: Peer) -> None:
    """A valid message or receipt came from `peer`: reset its back-off, retry now."""
    now = timezone.now()
    if peer.last_heard_at is None or now - peer.last_heard_at > HEARD_EVERY:
        Peer.objects.filter(pk=peer.pk).update(last_heard_at=now)
        peer.last_heard_at = now
    if peer.backoff_level or peer.failing_since or peer.retry_at:
        with transaction.atomic():
            Peer.objects.filter(pk=peer.pk).update(
                backoff_level=0, failing_since=None, retry_at=None, last_error=""
            )
            OutboxEntry.objects.filter(
                destination=peer, status=OutboxStatus.QUEUED, next_attempt_at__gt=now
            ).update(next_attempt_at=now)
        peer.backoff_level, peer.failing_since, peer.retry_at = 0, None, None
        jobs.dispatch("exchange.tasks.deliver_peer", peer.country)
    signals.peer_heard.send_on_commit(sender=Peer, country=peer.country)


def probe_due() -> list[str]:
    """Failing peers whose last probe is older than EXCHANGE_PROBE_SECONDS."""
    cutoff = timezone.now() - timedelta(seconds=settings.EXCHANGE_PROBE_SECONDS)
    return list(
        Peer.objects.filter(active=True, failing_since__isnull=False)
        .filter(Q(probed_at__isnull=True) | Q(probed_at__lt=cutoff))
        .order_by("country")
        .values_list("country", flat=True)
    )


def probe(country: str) -> bool:
    """Is a failing peer back? Its signed key document, verified with a key we trust,
    counts as hearing from it (peer_heard: back-off reset, queue due now). The contract
    is unchanged: GET /keys is part of it already."""
    peer = Peer.objects.filter(country=country, active=True, failing_since__isnull=False).first()
    if peer is None:
        return False
    now = timezone.now()
    try:
        envelope = canonical.loads(transport.get_keys(peer.url))
        problems = schemas.envelope_problems(envelope)
        if problems or envelope["type"] != "node.keys":
            raise keyring.KeyProblem("malformed", "not a node.keys envelope " + "; ".join(problems))
        keyring.verify_from(country, envelope)
    except keyring.KeyProblem as exc:
        error = f"{exc.code}: {exc.message}"
    except (httpx.HTTPError, canonical.CanonicalError) as exc:
        error = f"{exc.__class__.__name__}: {exc}"
    else:
        Peer.objects.filter(pk=peer.pk).update(probed_at=now, probe_error="")
        logger.info("peer %s answers its key document again", country)
        peer_heard(peer)
        return True
    Peer.objects.filter(pk=peer.pk).update(probed_at=now, probe_error=error[:300])
    return False


def _claim(entry_id: int, now: datetime) -> bool:
    return (
        OutboxEntry.objects.filter(
            pk=entry_id, status=OutboxStatus.QUEUED, next_attempt_at__lte=now
        )
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .update(leased_until=now + LEASE)
        == 1
    )


def _receipt_problem(entry: OutboxEntry, body: bytes) -> tuple[dict[str, Any] | None, str]:
    """Verify a receipt: signed by a trusted key of the destination, pinning our digest."""
    message = entry.message
    try:
        receipt = canonical.loads(body)
    except canonical.CanonicalError as exc:
        return None, f"receipt is not canonical JSON: {exc}"
    problems = schemas.envelope_problems(receipt)
    if problems:
        return None, "invalid receipt: " + "; ".join(problems)
    if receipt["type"] != "receipt" or schemas.body_problems("receipt", receipt["body"]):
        return None, "answer is not a valid receipt"
    body_ = receipt["body"]
    if (
        body_["ref"] != message.envelope_id
        or receipt["in_reply_to"] != message.envelope_id
        or body_["digest"] != message.digest
        or settings.NODE_COUNTRY not in receipt["to"]
    ):
        return None, "receipt does not pin this envelope"
    try:
        keyring.verify_from(entry.destination.country, receipt)
    except keyring.KeyProblem as exc:
        return None, f"receipt: {exc.message}"
    return receipt, ""


def _refusal_code(body: bytes) -> str:
    """The contract's error code in a peer's refusal (`{"error": {"code": ...}}`), or ""."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return ""
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and ERROR_CODE_RE.fullmatch(code) else ""


def _fail(
    entry: OutboxEntry, reason: str, status: int | None, now: datetime, code: str = ""
) -> None:
    with transaction.atomic():
        updated = OutboxEntry.objects.filter(pk=entry.pk, status=OutboxStatus.QUEUED).update(
            status=OutboxStatus.FAILED,
            failed_at=now,
            failure_code=code[:40],
            last_error=reason[:300],
            last_status=status,
            leased_until=None,
        )
        if not updated:
            return
        record(
            action="exchange.delivery_failed",
            object_type="envelope",
            object_id=entry.message.envelope_id,
            outcome="failure",
            details={
                "destination": entry.destination.country,
                "reason": reason[:200],
                "code": code,
            },
        )
        transaction.on_commit(partial(_announce_failure, entry.pk))


def _announce_failure(entry_id: int) -> None:
    """Tell the apps above that an entry failed, then mark it told. A process that dies in
    between leaves the mark unset: the sweep tells them again (alerts dedupe by
    destination and envelope), rather than never."""
    entry = (
        OutboxEntry.objects.select_related("message", "destination")
        .filter(pk=entry_id, status=OutboxStatus.FAILED, failure_signalled_at__isnull=True)
        .first()
    )
    if entry is None:
        return
    signals.delivery_failed.send_now(
        sender=OutboxEntry,
        destination=entry.destination.country,
        envelope_id=entry.message.envelope_id,
        reason=entry.last_error,
        code=entry.failure_code,
    )
    OutboxEntry.objects.filter(pk=entry_id).update(failure_signalled_at=timezone.now())


def signal_unannounced(limit: int = 200) -> int:
    """Failed entries whose delivery_failed never went out (the process died after the
    commit): send it now. Younger ones are left to the on-commit send in flight."""
    cutoff = timezone.now() - UNANNOUNCED_AFTER
    ids = list(
        OutboxEntry.objects.filter(
            status=OutboxStatus.FAILED, failure_signalled_at__isnull=True, failed_at__lt=cutoff
        ).values_list("pk", flat=True)[:limit]
    )
    for entry_id in ids:
        _announce_failure(entry_id)
    return len(ids)


def _retry(entry: OutboxEntry, reason: str, status: int | None, retry_after: int | None) -> None:
    """A transient failure: push back every queued entry of this peer."""
    now = timezone.now()
    peer = entry.destination
    with transaction.atomic():
        # No key lock: the outbox rows message_send inserts check their foreign key to
        # this peer (FOR KEY SHARE), which FOR UPDATE would block (see keyring).
        peer = Peer.objects.select_for_update(no_key=True).get(pk=peer.pk)
        if status == 429:
            retry_at = now + timedelta(seconds=float(retry_after or 1))
        elif peer.retry_at is not None and peer.retry_at > now and peer.failing_since:
            # Another attempt of this round failed first and backed the peer off: one
            # round is one step. (Counting attempts, the parallel drain or a burst of
            # sends to a peer that is down took the level to the cap in seconds.)
            retry_at = peer.retry_at
        else:
            delay = backoff_delay(peer.backoff_level)
            if retry_after:
                delay = max(delay, float(retry_after))
            peer.backoff_level += 1
            peer.failing_since = peer.failing_since or now
            retry_at = now + timedelta(seconds=delay)
        peer.retry_at = retry_at
        peer.last_error = reason[:300]
        peer.save(update_fields=["backoff_level", "failing_since", "retry_at", "last_error"])
        OutboxEntry.objects.filter(pk=entry.pk).update(
            attempts=entry.attempts + 1,
            last_error=reason[:300],
            last_status=status,
            leased_until=None,
            next_attempt_at=retry_at,
        )
        OutboxEntry.objects.filter(
            destination=peer, status=OutboxStatus.QUEUED, next_attempt_at__lt=retry_at
        ).update(next_attempt_at=retry_at)


def _delivered(entry: OutboxEntry, receipt: dict[str, Any], status: int) -> None:
    """The entry's state change is one guarded UPDATE (atomic on its own). The peer's
    last_receipt_at is health for operators, moved at most every HEARD_EVERY, like
    last_heard_at: a row write per receipt was a third of a delivery's statements."""
    now = timezone.now()
    OutboxEntry.objects.filter(pk=entry.pk, status=OutboxStatus.QUEUED).update(
        status=OutboxStatus.DELIVERED,
        delivered_at=now,
        receipt=receipt,
        attempts=entry.attempts + 1,
        last_status=status,
        last_error="",
        leased_until=None,
    )
    peer = entry.destination
    if peer.last_receipt_at is None or now - peer.last_receipt_at > HEARD_EVERY:
        Peer.objects.filter(pk=peer.pk).update(last_receipt_at=now)
        peer.last_receipt_at = now
    peer_heard(peer)


def _older_key_announcement(entry: OutboxEntry) -> int | None:
    """A queued `node.keys` to the same peer goes first: later messages need its key."""
    return (
        OutboxEntry.objects.filter(
            destination_id=entry.destination_id,
            status=OutboxStatus.QUEUED,
            message__type="node.keys",
            pk__lt=entry.pk,
        )
        .values_list("pk", flat=True)
        .first()
    )


def _keys_queued(country: str) -> bool:
    """Is a `node.keys` queued to this peer (due or not, claimed or not)?"""
    return (
        OutboxEntry.objects.filter(
            destination__country=country, status=OutboxStatus.QUEUED, message__type="node.keys"
        )
        .values("pk")
        .exists()
    )


def deliver(entry_id: int, *, keys_checked: bool = False) -> str:
    """Try one entry once if it is due and unclaimed; returns what happened.

    keys_checked: the caller (a run, once per batch) found no `node.keys` queued to this
    peer, so the look for an older one before this entry is skipped."""
    now = timezone.now()
    entry = (
        OutboxEntry.objects.select_related("message", "destination")
        .filter(pk=entry_id, status=OutboxStatus.QUEUED)
        .first()
    )
    if entry is None:
        return "done"
    if entry.message.type != "node.keys" and not keys_checked:
        first = _older_key_announcement(entry)
        if first is not None and deliver(first) != "delivered":
            return "waiting-for-keys"
    if now - entry.message.created_at > MAX_AGE:
        _fail(entry, "undelivered for 30 days", entry.last_status, now)
        return "failed"
    if not entry.destination.active:
        return "inactive"
    if not _claim(entry_id, now):
        return "not-due"
    payload = canonical.dumps(entry.message.envelope)
    answer = transport.post_envelope(entry.destination.url, payload)
    status = answer.status
    if status in (200, 202):
        receipt, problem = _receipt_problem(entry, answer.body)
        if receipt is not None:
            _delivered(entry, receipt, status)
            return "delivered"
        _retry(entry, problem, status, None)
        return "retry"
    if status == 429 and _spent_budget(entry, answer.retry_after):
        _fail(entry, "the peer's daily budget is spent", status, now, "rate_limited")
        return "failed"
    if status is None or status >= 500 or status in RETRY_STATUSES:
        _retry(entry, answer.error or f"HTTP {status}", status, answer.retry_after)
        return "retry"
    reason = f"HTTP {status}: {answer.body[:200].decode('utf-8', 'replace')}"
    _fail(entry, reason, status, now, _refusal_code(answer.body))
    return "failed"


# A private-match query (issue 22) refused for the peer's daily budget (a Retry-After
# longer than any burst window) is not retried: retrying would hold the peer's whole
# queue until the next day, and an answer that late is of no use to the coordinator who
# asked; the query is marked so and can be asked again.
ASK_ONCE_TYPES = ("match.query",)
BUDGET_RETRY_AFTER = 60


def _spent_budget(entry: OutboxEntry, retry_after: int | None) -> bool:
    return entry.message.type in ASK_ONCE_TYPES and (retry_after or 0) > BUDGET_RETRY_AFTER


def _due(country: str | None = None) -> Any:
    now = timezone.now()
    due = OutboxEntry.objects.filter(
        status=OutboxStatus.QUEUED, next_attempt_at__lte=now, destination__active=True
    ).filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
    if country is not None:
        due = due.filter(destination__country=country)
    return due


def _deliver_logged(entry_id: int, keys_checked: bool = False) -> str:
    try:
        return deliver(entry_id, keys_checked=keys_checked)
    except Exception:
        logger.exception("delivery of outbox entry %s failed", entry_id)
        return "error"


def _deliver_thread_in_order(
    entry_ids: list[int], renew: Callable[[], object], keys_checked: bool = False
) -> list[str]:
    """One conversation's entries, oldest first; a later one waits while an earlier one is
    not delivered, so a receiver sees a case's notification before its updates. `renew`
    extends the run's lease after each entry."""
    outcomes: list[str] = []
    for entry_id in entry_ids:
        outcome = _deliver_logged(entry_id, keys_checked)
        renew()
        outcomes.append(outcome)
        if outcome not in ("delivered", "done"):
            break
    return outcomes


def _by_thread(rows: list[tuple[int, str]]) -> list[tuple[str, list[int]]]:
    threads: dict[str, list[int]] = {}
    for entry_id, thread in rows:
        threads.setdefault(thread, []).append(entry_id)
    return list(threads.items())


class _Conversations:
    """PEER_PARALLEL threads for one run, each taking whole conversations from a queue.

    A worker hands its database connection back after each conversation: with
    PostgreSQL the connections come from a small per-process pool (DB_POOL_MAX_SIZE, 4 in
    a local federation) that the run's own thread and the worker's other tasks share, and
    a connection held for the whole run would leave one of them waiting on the pool."""

    def __init__(self, country: str, renew: Callable[[], object]) -> None:
        self.renew = renew
        self.todo: queue.SimpleQueue[tuple[str, list[int], bool] | None] = queue.SimpleQueue()
        self.done: queue.SimpleQueue[tuple[str, list[str]]] = queue.SimpleQueue()
        self.threads = [
            threading.Thread(target=self._work, name=f"deliver-{country}-{n}", daemon=True)
            for n in range(PEER_PARALLEL)
        ]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        try:
            while (item := self.todo.get()) is not None:
                thread, entry_ids, keys_checked = item
                try:
                    outcomes = _deliver_thread_in_order(entry_ids, self.renew, keys_checked)
                except Exception:  # never lose the answer: the run waits for it
                    logger.exception("delivery of conversation %s failed", thread)
                    outcomes = ["error"]
                finally:
                    db.connections.close_all()
                self.done.put((thread, outcomes))
        finally:
            db.connections.close_all()

    def close(self) -> None:
        for _ in self.threads:
            self.todo.put(None)
        for thread in self.threads:
            thread.join()


def _deliver_keys_first(
    rows: list[tuple[int, str, str]], renew: Callable[[], object]
) -> tuple[int, str]:
    """Due `node.keys` entries of this batch, in order, before any other: every later
    message needs the key it announces (deliver() checks it too; doing it here keeps the
    conversations from racing for the same announcement). (delivered, "" or why to stop)"""
    delivered = 0
    for entry_id, _thread, type_ in rows:
        if type_ != "node.keys":
            continue
        outcome = _deliver_logged(entry_id)
        renew()
        if outcome not in ("delivered", "done"):
            return delivered, "backing-off"
        delivered += outcome == "delivered"
    return delivered, ""


def _run_peer(country: str, renew: Callable[[], object]) -> tuple[int, str]:
    """The body of deliver_peer: returns (delivered, why the run ended).

    Conversations are handed out as workers free up (no batch waits for its slowest
    conversation); a conversation in flight is never handed out twice, so its entries
    stay in order. Ends: "drained", "budget", "backing-off" (a retry, or waiting for a
    key announcement) or "error" (an unexpected exception; the sweep comes back)."""
    started = time.monotonic()
    delivered = 0
    ended = ""
    workers = _Conversations(country, renew)
    in_flight: set[str] = set()
    waiting: list[tuple[str, list[int]]] = []
    keys_checked = False
    try:
        while True:
            if not ended and time.monotonic() - started >= PEER_BUDGET_SECONDS:
                ended = "budget"
            if not ended and not waiting and len(in_flight) < PEER_PARALLEL:
                rows = list(
                    _due(country)
                    .exclude(message__thread__in=in_flight)
                    .order_by("id")
                    .values_list("pk", "message__thread", "message__type")[:PEER_BATCH]
                )
                keys_delivered, ended = _deliver_keys_first(rows, renew)
                delivered += keys_delivered
                waiting = _by_thread([(pk, t) for pk, t, type_ in rows if type_ != "node.keys"])
                # Once per batch rather than once per entry (deliver's own look): no
                # announcement is queued, so none of this batch waits for one.
                keys_checked = bool(waiting) and not ended and not _keys_queued(country)
                if not rows and not in_flight:
                    ended = ended or "drained"
            while not ended and waiting and len(in_flight) < PEER_PARALLEL:
                thread, entry_ids = waiting.pop(0)
                in_flight.add(thread)
                workers.todo.put((thread, entry_ids, keys_checked))
            if not in_flight:
                if ended:
                    return delivered, ended
                continue  # keys delivered, or only keys were due: look again
            thread, outcomes = workers.done.get()
            in_flight.discard(thread)
            delivered += outcomes.count("delivered")
            if "error" in outcomes:
                ended = ended or "error"
            elif any(o in ("retry", "waiting-for-keys") for o in outcomes):
                ended = ended or "backing-off"  # _retry pushed the peer's queue back
    finally:
        workers.close()


def _after_run(country: str, ended: str) -> None:
    """What comes after a run, so that a peer's queue never waits for the sweep when it
    need not: a run that used its budget gives its worker back and queues its next run
    behind the other peers' (two Celery threads serve every peer in turn); entries
    committed while the lock was held are picked up; after a 429 the next run is
    scheduled at the peer's Retry-After. A failing peer is left to its back-off and the
    probe; an unexpected error to the sweep (never a tight loop on a poisoned entry)."""
    if ended == "error":
        return
    peer = Peer.objects.filter(country=country, active=True).first()
    if peer is None or peer.failing_since is not None:
        return
    now = timezone.now()
    if peer.retry_at is not None and peer.retry_at > now:
        wait = (peer.retry_at - now).total_seconds()
        jobs.dispatch_later(wait, "exchange.tasks.deliver_peer", country)
    elif _due(country).exists():
        jobs.dispatch("exchange.tasks.deliver_peer", country)


def _run_lock(country: str) -> str:
    return f"exchange:deliver-peer:{country}"


def _run_requested(country: str) -> str:
    return f"exchange:deliver-peer-requested:{country}"


def request_run(country: str) -> None:
    """After a commit that queued entries for `country`: see that a run will deliver
    them, queueing at most one deliver_peer task per peer at a time (module docstring).

    A run holding the lock now sees whatever was committed before this call: its loop
    looks at the queue until it is empty, and _after_run looks again after the lock is
    gone, which is after this check. Whatever ends that run early (a failing peer, an
    error) leaves the entry to the back-off, the probe and the sweep, as it would a task
    of its own that found the lock taken. It runs after the commit: with Redis down it
    logs and leaves the entry to the sweep rather than fail an action that is done."""
    try:
        if cache.get(_run_lock(country)) is not None:
            return
        if cache.add(_run_requested(country), 1, timeout=RUN_REQUESTED_TTL):
            jobs.dispatch("exchange.tasks.deliver_peer", country)
    except Exception:
        logger.warning(
            "no delivery run asked for %s; the sweep will start one", country, exc_info=True
        )


def deliver_peer(country: str) -> int:
    """Work through one peer's due entries until done, failing or out of budget:
    PEER_PARALLEL conversations (threads) in flight, each thread's entries in the order
    they were queued. One run per peer at a time (a cache lock); see _after_run for what
    follows a run. A queued node.keys still goes before anything else (see deliver).
    """
    # First: a commit after this line queues a new task, and one before it is seen by
    # this run or by the run that holds the lock (request_run).
    cache.delete(_run_requested(country))
    lock = _run_lock(country)
    lease = int(LEASE.total_seconds())
    if not cache.add(lock, 1, timeout=lease):
        return 0
    renewed = time.monotonic()
    renewing = threading.Lock()

    def renew() -> None:
        nonlocal renewed
        with renewing:
            if time.monotonic() - renewed < RENEW_EVERY:
                return
            renewed = time.monotonic()
        cache.touch(lock, lease)

    try:
        delivered, ended = _run_peer(country, renew)
    finally:
        cache.delete(lock)
    # After the lock is gone: an entry committed while we held it, whose own task found
    # the lock taken, is seen here (its commit came before our release).
    _after_run(country, ended)
    return delivered


def deliver_for_entry(entry_id: int) -> int:
    """After a message commits: run its peer's queue (one run per peer absorbs a burst)."""
    country = (
        OutboxEntry.objects.filter(pk=entry_id, status=OutboxStatus.QUEUED)
        .values_list("destination__country", flat=True)
        .first()
    )
    return deliver_peer(country) if country else 0


def signal_overdue() -> int:
    """Urgent/immediate messages queued for 15 minutes: delivery_overdue, once each."""
    cutoff = timezone.now() - OVERDUE_AFTER
    entries = OutboxEntry.objects.select_related("message", "destination").filter(
        status=OutboxStatus.QUEUED,
        overdue_signalled_at__isnull=True,
        message__urgency__in=["urgent", "immediate"],
        message__created_at__lt=cutoff,
    )[:200]
    count = 0
    for entry in entries:
        # Told first, marked after: a process that dies in between tells them again at
        # the next sweep (alerts dedupe by destination and envelope) rather than never.
        signals.delivery_overdue.send_now(
            sender=OutboxEntry,
            destination=entry.destination.country,
            envelope_id=entry.message.envelope_id,
            urgency=entry.message.urgency,
        )
        with transaction.atomic():
            if not OutboxEntry.objects.filter(
                pk=entry.pk, overdue_signalled_at__isnull=True
            ).update(overdue_signalled_at=timezone.now()):
                continue
            record(
                action="exchange.delivery_overdue",
                object_type="envelope",
                object_id=entry.message.envelope_id,
                outcome="failure",
                details={
                    "destination": entry.destination.country,
                    "urgency": entry.message.urgency,
                },
            )
            count += 1
    return count


def expire_old() -> int:
    """Final failure for entries whose message is older than 30 days."""
    now = timezone.now()
    old = OutboxEntry.objects.select_related("message", "destination").filter(
        status=OutboxStatus.QUEUED, message__created_at__lt=now - MAX_AGE
    )[:200]
    for entry in old:
        _fail(entry, "undelivered for 30 days", entry.last_status, now)
    return len(old)


def sweep() -> list[str]:
    """Periodic: alerts for overdue/expired entries, then one delivery run per due peer."""
    signal_overdue()
    expire_old()
    signal_unannounced()
    countries = sorted(set(_due().values_list("destination__country", flat=True)))
    for country in countries:
        jobs.dispatch("exchange.tasks.deliver_peer", country)
    for country in probe_due():
        jobs.dispatch("exchange.tasks.probe_peer", country)
    return countries


def entry_for(message: OutboundMessage, country: str) -> OutboxEntry:
    return OutboxEntry.objects.get(message=message, destination__country=country)


def verify_stored_receipt(entry: OutboxEntry) -> bool:
    """Re-verify a stored receipt (proof of delivery) against the peer's keys now held."""
    if entry.receipt is None:
        return False
    try:
        keyring.verify_from(entry.destination.country, entry.receipt)
    except keyring.KeyProblem:
        return False
    body = entry.receipt["body"]
    return bool(
        body["digest"] == signing.digest(entry.message.envelope)
        and body["ref"] == entry.message.envelope_id
    )
