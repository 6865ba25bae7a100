"""Handlers for received case and takedown messages (registered in CasesConfig.ready).

Each runs inside the exchange's transaction that marks the message processed, so the
inbound item, its indicators, hits, alerts and audit entries commit together or not at
all; a redelivered message is deduplicated by the exchange and again here by
(origin, envelope_id).

Order: a `case.update` whose notification has not arrived raises NotYet and is retried
by the exchange when more of its thread arrives.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from alerts.services import alert_raise
from audit.services import record
from cases import legal, matching, takedowns
from cases.models import Case, InboundItem, OutboundRequest
from cases.services import DUE_AFTER
from exchange import handlers, schemas
from exchange.handlers import NotYet, Received
from net247 import db


def _urgency_for_due(due: dt.datetime | None) -> str:
    if due is None:
        return "routine"
    left = due - timezone.now()
    if left <= DUE_AFTER["immediate"]:
        return "immediate"
    if left <= DUE_AFTER["urgent"]:
        return "urgent"
    return "routine"


def _case_known_to(origin: str, reference: Any) -> Case | None:
    """Our case named in a peer's message, only if it was notified to that peer: a
    country cannot page a case's owners, or reach its thread, by guessing its number."""
    return (
        Case.objects.filter(reference=str(reference), notifications__country=origin)
        .distinct()
        .first()
    )


def _item(msg: Received[Any], kind: str, **fields: Any) -> tuple[InboundItem, bool]:
    """The item of a received message; created False if it was stored before. One
    statement (INSERT ... ON CONFLICT DO NOTHING) on the way every new message takes."""
    item = InboundItem(
        kind=kind,
        origin=msg.origin,
        key_id=msg.key_id,
        envelope_id=msg.envelope_id,
        thread=msg.thread,
        in_reply_to=msg.in_reply_to or "",
        handling=msg.handling,
        body=msg.body,
        receipt=msg.receipt,
        received_at=msg.received_at,
        **fields,
    )
    if not db.insert(item, conflict=("origin", "envelope_id")):
        existing = InboundItem.objects.get(origin=msg.origin, envelope_id=msg.envelope_id)
        return existing, False
    record(
        action=f"inbound.{kind}",
        peer=msg.origin,
        object_type="cases.inbounditem",
        object_id=item.pk,
        details={"envelope_id": msg.envelope_id, "ref": item.ref},
    )
    return item, True


def _alert(
    item: InboundItem,
    kind: str,
    title: str,
    users: list[Any] | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    alert_raise(
        kind=kind,
        title=title,
        params=params,
        urgency=item.urgency,
        summary=item.title,
        object_type="cases.inbounditem",
        object_id=str(item.pk),
        origin=item.origin,
        envelope_id=item.envelope_id,
        users=users,
        dedupe_key=f"inbound:{item.origin}:{item.envelope_id}",
    )


def _indicators(item: InboundItem, items: list[schemas.Indicator]) -> None:
    rows = matching.store(items, region=item.origin, inbound=item)
    matching.find_hits(item, rows)
    matching.propose_mirrors(rows, f"{item.origin} {item.ref}")


def on_notification(msg: Received[schemas.CaseNotification]) -> None:
    body = msg.body
    item, created = _item(
        msg,
        InboundItem.Kind.NOTIFICATION,
        ref=body["case_ref"],
        title=body["title"],
        text=body["summary"],
        urgency=body["urgency"],
        comparison=legal.compare(
            body["offence"], settings.NODE_COUNTRY, list(body["facts"]), timezone.localdate()
        ),
    )
    if not created:
        return
    _indicators(item, list(body.get("indicators", [])))
    _alert(item, "inbound_notification", f"{item.origin} {item.ref}: {item.title}")


def on_update(msg: Received[schemas.CaseUpdate]) -> None:
    root = InboundItem.objects.filter(
        origin=msg.origin, thread=msg.thread, kind=InboundItem.Kind.NOTIFICATION
    ).first()
    if root is None:
        if _message_about_ours(msg):
            return
        raise NotYet(f"case.update before the notification of thread {msg.thread}")
    if any(u.get("envelope_id") == msg.envelope_id for u in root.updates):
        return
    changes = msg.body.get("changes", {})
    if isinstance(changes.get("title"), str) and changes["title"].strip():
        root.title = changes["title"][:300]
    if isinstance(changes.get("summary"), str):
        root.text = changes["summary"]
    if changes.get("urgency") in ("routine", "urgent", "immediate"):
        root.urgency = changes["urgency"]
    root.updates = [
        *root.updates,
        {
            "envelope_id": msg.envelope_id,
            "changes": changes,
            "note": msg.body.get("note", ""),
            "received_at": msg.received_at.isoformat(),
        },
    ]
    root.save(update_fields=["title", "text", "urgency", "updates"])
    record(
        action="inbound.update",
        peer=msg.origin,
        object_type="cases.inbounditem",
        object_id=root.pk,
        details={"envelope_id": msg.envelope_id, "changes": sorted(changes)},
    )


def _message_about_ours(msg: Received[schemas.CaseUpdate]) -> bool:
    """A `case.update` from a country we notified, on our notification's thread: a
    message in the conversation (a peer cannot change our case, so `changes` are not
    applied). The exchange keeps the message; the thread and the case page show it."""
    case = Case.objects.filter(
        reference=str(msg.body.get("case_ref", "")),
        notifications__envelope_id=msg.thread,
        notifications__country=msg.origin,
    ).first()
    if case is None:
        return False
    record(
        action="case.message.received",
        peer=msg.origin,
        object_type="cases.case",
        object_id=case.pk,
        details={"envelope_id": msg.envelope_id, "thread": msg.thread},
    )
    # The people on the case are told (a reply must not wait for someone to look), with
    # the case's urgency; acknowledging signs `alert.ack` back like any received message.
    alert_raise(
        kind="case_message",
        title=f"{msg.origin}: {case.reference}",
        params={"country": msg.origin, "ref": case.reference},
        urgency=case.urgency,
        summary=str(msg.body.get("note", ""))[:2000],
        object_type="cases.case",
        object_id=str(case.pk),
        origin=msg.origin,
        envelope_id=msg.envelope_id,
        users=[*case.assigned.all(), case.created_by],
        dedupe_key=f"case-message:{msg.origin}:{msg.envelope_id}",
    )
    return True


def on_request(msg: Received[schemas.CaseRequest]) -> None:
    body = msg.body
    due_by = body.get("due_by")
    due = schemas.parse_time(due_by) if due_by is not None else None
    local = _case_known_to(msg.origin, body["case_ref"])
    item, created = _item(
        msg,
        InboundItem.Kind.REQUEST,
        ref=body["case_ref"],
        title=f"{body['kind']}: {body['case_ref']}",
        text=body["text"],
        request_kind=body["kind"],
        due_by=due,
        urgency=_urgency_for_due(due),
        local_case=local,
        unit=local.unit if local is not None else "",
    )
    if not created:
        return
    owners: list[Any] | None = None
    if local is not None:
        owners = [*local.assigned.all(), local.created_by]
        from cases import access

        access.grant("view_inbounditem", item, users=owners, unit=local.unit)
    params = {"country": item.origin, "kind": body["kind"], "ref": item.ref}
    _alert(item, "inbound_request", f"{item.origin} {body['kind']} {item.ref}", owners, params)


def on_response(msg: Received[schemas.CaseResponse]) -> None:
    body = msg.body
    request = OutboundRequest.objects.filter(
        envelope_id=msg.in_reply_to or "", country=msg.origin
    ).first()
    local = request.case if request is not None and request.case_id else None
    if local is None:
        local = _case_known_to(msg.origin, body["case_ref"])
    item, created = _item(
        msg,
        InboundItem.Kind.RESPONSE,
        ref=body["case_ref"],
        title=f"{body.get('status', 'answered')}: {body['case_ref']}",
        text=body["text"],
        local_case=local,
        status=InboundItem.Status.CLOSED,
    )
    if not created:
        return
    if request is not None:
        OutboundRequest.objects.filter(pk=request.pk).update(status=OutboundRequest.Status.ANSWERED)
        if request.inbound_id is not None:
            item.unit = request.inbound.unit if request.inbound else ""
            item.assigned_to = request.sent_by
            item.save(update_fields=["unit", "assigned_to"])
        from cases import access

        access.grant("view_inbounditem", item, users=[request.sent_by], unit=item.unit)
    _indicators(item, list(body.get("indicators", [])))


def on_takedown(msg: Received[schemas.TakedownRequest]) -> None:
    body = msg.body
    item, created = _item(
        msg,
        InboundItem.Kind.TAKEDOWN,
        ref=body["request_ref"],
        title=", ".join(str(t.get("url") or t.get("domain")) for t in body["targets"])[:300],
        text=f"{body['requested_action']}",
        urgency=body["urgency"],
        mirror_of=str(body.get("mirror_of", ""))[:64],
        comparison=legal.compare(
            body["legal_basis"], settings.NODE_COUNTRY, [], timezone.localdate(), "takedown"
        ),
    )
    if not created:
        return
    takedowns.receive_targets(item)
    _indicators(item, list(body.get("indicators", [])))
    _alert(item, "inbound_takedown", f"{item.origin} {item.ref}: {item.title}")


def on_takedown_status(msg: Received[schemas.TakedownStatus]) -> None:
    takedowns.status_received(origin=msg.origin, envelope_id=msg.envelope_id, body=msg.body)


def register_all() -> None:
    handlers.register(schemas.CASE_NOTIFICATION, on_notification)
    handlers.register(schemas.CASE_UPDATE, on_update)
    handlers.register(schemas.CASE_REQUEST, on_request)
    handlers.register(schemas.CASE_RESPONSE, on_response)
    handlers.register(schemas.TAKEDOWN_REQUEST, on_takedown)
    handlers.register(schemas.TAKEDOWN_STATUS, on_takedown_status)
