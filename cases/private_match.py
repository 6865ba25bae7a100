"""Private match (issue 22): "does this country know this phone, handle or domain?"
without telling a country that does not.

Querying side (`match_ask`): for each peer, a fresh one-time PSI key blinds the case's
indicators (cases.psi.match_key); a `match.query` carries them with the purpose (case
reference, handling). `on_answer` reads the `match.answer` with that key, keeps the
indicators the peer holds, and erases the key. A 422 `unsupported` (the peer does not
speak the extension) or a 429 (its daily budget for us is spent) marks the query so.

Answering side (`on_query`): the per-peer daily budget (queries and items) is checked
first (429 beyond, nothing stored); the answer is the request blinded again under our
key, with the cached setup filter of our local indicators (`MatchSetup`, rebuilt in the
background by `refresh_setup` when the set changed, under a new key each time) and a
small filter of the indicators stored since it was built. We learn the query's size and
purpose, never its items nor which of ours matched: that is the guarantee, so the audit
and `MatchServed` hold the size only. Our coordinators learn which of our cases hold a
matched indicator only when the querying country chooses to send a request about it
(the targeted request carries the indicators; its normal matching raises the alert).

Staleness: an indicator stored after the cached build matches at once (the per-query
filter); a removed one, or one of a case closed since, still matches until the next
build: at most the beat interval (60 s) plus the build time (about 9 s per 100,000).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audited_transaction, record
from cases import indicators as norm
from cases import psi
from cases.models import (
    Case,
    Indicator,
    MatchPeerSetup,
    MatchQuery,
    MatchServed,
    MatchSetup,
    Takedown,
)
from cases.services import ServiceError
from exchange import handlers, schemas, signals
from exchange.handlers import Received
from exchange.models import Peer
from exchange.services import message_send
from node.crypto import b64url_decode, b64url_encode

logger = logging.getLogger(__name__)


# --- the answering side's set ------------------------------------------------------------


def _local_items(after_id: int = 0) -> tuple[list[str], int]:
    """Items of our open cases and open takedowns (ids > after_id); and the newest id."""
    rows = (
        Indicator.objects.filter(inbound__isnull=True, pk__gt=after_id)
        .filter(Q(case__status=Case.Status.OPEN) | Q(takedown__status=Takedown.Status.OPEN))
        .values_list("pk", "kind", "value", "registrable_domain")
    )
    items, last = set(), after_id
    for pk, kind, value, registrable in rows.iterator(chunk_size=5000):
        last = max(last, pk)
        key = psi.stored_key(kind, value, registrable)
        if key is not None:
            items.add(key)
    return sorted(items), last


def _fingerprint(items: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for item in items:
        digest.update(item.encode() + b"\n")
    return digest.hexdigest()


def refresh_setup(*, force: bool = False) -> MatchSetup | None:
    """Build the cached setup when our item set changed (idempotent, safe to repeat).

    The build (the costly part) runs outside any transaction; the new row replaces the
    old ones in one short transaction. Two concurrent builds both store a row: the newest
    wins, the other is deleted by the next refresh. Nothing is built for a node with no
    local indicator and no build yet (a first query builds it: `force`)."""
    items, last = _local_items()
    fingerprint = _fingerprint(items)
    current = MatchSetup.objects.first()
    if current is None and not items and not force:
        return None
    max_client = int(settings.PRIVATE_MATCH_MAX_ITEMS)
    if (
        current is not None
        and not force
        and current.fingerprint == fingerprint
        and current.max_client_items == max_client
    ):
        if current.last_indicator_id != last:
            MatchSetup.objects.filter(pk=current.pk).update(last_indicator_id=last)
            current.last_indicator_id = last
        return current
    started = time.perf_counter()
    key = psi.new_server_key()
    setup = psi.server_setup(key, items, max_client)
    build_ms = int((time.perf_counter() - started) * 1000)
    with audited_transaction():
        row = MatchSetup.objects.create(
            key=key,
            setup=setup,
            digest=psi.setup_digest(setup),
            item_count=len(items),
            last_indicator_id=last,
            fingerprint=fingerprint,
            max_client_items=max_client,
            built_at=timezone.now(),
            build_ms=build_ms,
        )
        MatchSetup.objects.filter(pk__lt=row.pk).delete()
        record(
            action="match.setup_built",
            actor=None,
            object_type="cases.matchsetup",
            object_id=row.pk,
            details={"items": len(items), "bytes": len(setup), "build_ms": build_ms},
        )
    logger.info("private match: setup of %d items built in %d ms", len(items), build_ms)
    return row


def _next_utc_day(now: datetime) -> int:
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()) + 1)


def _check_budget(origin: str, count: int, now: datetime) -> None:
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    served = MatchServed.objects.filter(origin=origin, served_at__gte=day_start)
    queries = served.count()
    items = sum(served.values_list("item_count", flat=True))
    if (
        queries + 1 > settings.PRIVATE_MATCH_DAILY_QUERIES
        or items + count > settings.PRIVATE_MATCH_DAILY_ITEMS
    ):
        # Nothing of the request is kept: the inbox audits the refusal (exchange.rejected,
        # code rate_limited) with this message.
        raise handlers.OverBudget(
            f"daily private-match budget spent ({queries} queries, {items} items today)",
            _next_utc_day(now),
        )


def on_query(received: Received[schemas.MatchQuery]) -> None:
    """Answer a `match.query` (in the inbox's transaction: the answer is queued with it)."""
    body = received.body
    try:
        request = b64url_decode(body["request"])
        count = psi.request_size(request)
    except ValueError as exc:
        raise handlers.Refused("invalid_body", f"request: {exc}") from exc
    if count != body["count"]:
        raise handlers.Refused("invalid_body", "count: not the number of items in request")
    if count > settings.PRIVATE_MATCH_MAX_ITEMS:
        raise handlers.Refused(
            "invalid_body", f"count: at most {settings.PRIVATE_MATCH_MAX_ITEMS} items a query"
        )
    now = timezone.now()
    # The budget is counted from the rows of today's answers: a lock on nothing more than
    # the insert; two queries racing in the same instant may both pass (bounded by one).
    _check_budget(received.origin, count, now)
    setup = MatchSetup.objects.first()
    if setup is None or setup.max_client_items < count:
        setup = refresh_setup(force=True)
    if setup is None:  # forced: always built
        raise RuntimeError("the private match setup was not built")
    key = bytes(setup.key)
    fresh, _last = _local_items(after_id=setup.last_indicator_id)
    # The base filter is left out when the client holds it already (same build, same key).
    setups = [] if body.get("have_setup") == setup.digest else [bytes(setup.setup)]
    if fresh:
        setups.append(psi.server_setup(key, fresh, setup.max_client_items))
    response = psi.server_answer(key, request)
    MatchServed.objects.create(
        origin=received.origin,
        envelope_id=received.envelope_id,
        case_ref=body["case_ref"][:64],
        item_count=count,
        setup_version=setup.pk,
        served_at=now,
    )
    record(
        action="match.served",
        actor=None,
        peer=received.origin,
        object_type="envelope",
        object_id=received.envelope_id,
        details={
            "case_ref": body["case_ref"][:64],
            "handling": received.handling,
            "items": count,
            "setup": setup.pk,
            "base_sent": bool(setups) and body.get("have_setup") != setup.digest,
        },
    )
    message_send(
        type=schemas.MATCH_ANSWER.name,
        to=[received.origin],
        body={
            "response": b64url_encode(response),
            "setups": [b64url_encode(raw) for raw in setups],
            "setup_version": setup.pk,
            "base": setup.digest,
        },
        handling=received.handling,
        thread=received.thread,
        in_reply_to=received.envelope_id,
    )


# --- the querying side -------------------------------------------------------------------


def peers() -> list[str]:
    """The countries a private match can be asked of: our active enrolled peers."""
    return sorted(Peer.objects.filter(active=True).values_list("country", flat=True))


def case_items(case: Case) -> list[dict[str, str]]:
    """The case's indicators as they are asked: one per distinct item, first kept."""
    seen: dict[str, dict[str, str]] = {}
    for ind in case.indicators.all():
        key = psi.stored_key(ind.kind, ind.value, ind.registrable_domain)
        if key is not None and key not in seen:
            seen[key] = {"kind": ind.kind, "value": ind.value, "item": key}
    return list(seen.values())


def match_ask(*, actor: Any, case: Case, peers: Iterable[str]) -> list[MatchQuery]:
    """Ask each peer which of the case's indicators it holds (one query per peer)."""
    items = case_items(case)
    if not items:
        raise norm.IndicatorError("the case has no indicator to check")
    limit = int(settings.PRIVATE_MATCH_MAX_ITEMS)
    items = items[:limit]
    keys = [item["item"] for item in items]
    held = dict(MatchPeerSetup.objects.values_list("peer", "digest"))
    asked = []
    for peer in sorted(set(peers)):
        client_key, request = psi.client_request(keys)
        body: dict[str, Any] = {
            "case_ref": case.reference,
            "request": b64url_encode(request),
            "count": len(keys),
        }
        if peer in held:
            body["have_setup"] = held[peer]
        with audited_transaction():
            message = message_send(
                type=schemas.MATCH_QUERY.name,
                to=[peer],
                body=body,
                handling=case.handling or "H1",
                actor=actor,
            )
            query = MatchQuery.objects.create(
                case=case,
                peer=peer,
                envelope_id=message.envelope_id,
                items=items,
                client_key=client_key,
                created_by=actor,
            )
            record(
                action="match.asked",
                actor=actor,
                peer=peer,
                object_type="cases.case",
                object_id=case.pk,
                details={"case_ref": case.reference, "items": len(keys)},
            )
        asked.append(query)
    return asked


def answered_query(case: Case, query_id: int) -> MatchQuery | None:
    """The case's answered private match `query_id` that found something, or None."""
    query = case.match_queries.filter(pk=query_id, state=MatchQuery.State.ANSWERED).first()
    return query if query is not None and query.hits else None


def notify_only(case: Case, match_id: int | None, to: list[str]) -> list[dict[str, str]] | None:
    """The indicators a notification following private match `match_id` carries (the
    ones found at its country; None without a match). Refused unless the match answered
    with hits and the notification goes to that country alone."""
    if match_id is None:
        return None
    query = answered_query(case, match_id)
    if query is None:
        raise ServiceError("match", _("This private check found nothing to send."))
    if sorted(set(to)) != [query.peer]:
        raise ServiceError(
            "to",
            _("Only the indicators found at %(c)s: send this notification to %(c)s alone.")
            % {"c": query.peer},
        )
    return list(query.hits)


def auto_check(case_id: int) -> list[MatchQuery]:
    """Ask every peer not yet asked about the case, as its creator (idempotent: a retry
    asks only the rest). Nothing for a closed or vanished case, or one without items."""
    case = Case.objects.filter(pk=case_id, status=Case.Status.OPEN).first()
    if case is None or not case_items(case):
        return []
    asked = set(case.match_queries.values_list("peer", flat=True))
    rest = [peer for peer in peers() if peer not in asked]
    return match_ask(actor=case.created_by, case=case, peers=rest) if rest else []


def on_answer(received: Received[schemas.MatchAnswer]) -> None:
    """Read a `match.answer` to one of our queries (the inbox checked that we sent it)."""
    query = (
        MatchQuery.objects.select_for_update(no_key=True)
        .filter(envelope_id=received.in_reply_to, peer=received.origin)
        .first()
    )
    if query is None:
        raise handlers.Refused("invalid_body", "in_reply_to: not a private-match query of ours")
    if query.state != MatchQuery.State.SENT or not query.client_key:
        return  # answered already: a second answer changes nothing
    body = received.body
    items = list(query.items)
    try:
        setups = [b64url_decode(raw) for raw in body["setups"]]
        sent_base = bool(setups) and psi.setup_digest(setups[0]) == body["base"]
        if not sent_base:
            held = MatchPeerSetup.objects.filter(peer=received.origin, digest=body["base"])
            cached = held.values_list("setup", flat=True).first()
            if cached is None:
                raise ValueError("base: a filter this node does not hold")
            setups.insert(0, bytes(cached))
        found = psi.client_intersection(
            bytes(query.client_key),
            [item["item"] for item in items],
            setups,
            b64url_decode(body["response"]),
        )
    except ValueError as exc:
        raise handlers.Refused("invalid_body", str(exc)[:200]) from exc
    if sent_base:
        MatchPeerSetup.objects.update_or_create(
            peer=received.origin,
            defaults={"digest": body["base"], "setup": setups[0], "stored_at": timezone.now()},
        )
    query.hits = [{"kind": items[i]["kind"], "value": items[i]["value"]} for i in found]
    query.state = MatchQuery.State.ANSWERED
    query.client_key = b""
    query.answered_at = timezone.now()
    query.save(update_fields=["hits", "state", "client_key", "answered_at"])
    record(
        action="match.answered",
        actor=None,
        peer=received.origin,
        object_type="cases.case",
        object_id=query.case_id,
        details={"items": len(items), "hits": len(found), "query": query.envelope_id},
    )


FAILED_STATES = {
    "unsupported": MatchQuery.State.UNSUPPORTED,
    "rate_limited": MatchQuery.State.OVER_BUDGET,
}


def on_delivery_failed(
    sender: Any, destination: str = "", envelope_id: str = "", code: str = "", **_: Any
) -> None:
    """A query the peer refused: say why on the case page (and erase its key)."""
    with transaction.atomic():
        query = (
            MatchQuery.objects.select_for_update(no_key=True)
            .filter(envelope_id=envelope_id, peer=destination, state=MatchQuery.State.SENT)
            .first()
        )
        if query is None:
            return
        query.state = FAILED_STATES.get(code, MatchQuery.State.FAILED)
        query.error = code[:300]
        query.client_key = b""
        query.save(update_fields=["state", "error", "client_key"])
        record(
            action="match.refused",
            actor=None,
            peer=destination,
            object_type="cases.case",
            object_id=query.case_id,
            outcome="failure",
            details={"code": code, "query": envelope_id},
        )


def register() -> None:
    handlers.register(schemas.MATCH_QUERY, on_query)
    handlers.register(schemas.MATCH_ANSWER, on_answer)
    signals.delivery_failed.connect(on_delivery_failed, dispatch_uid="cases.private_match")
