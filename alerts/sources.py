"""What raises alerts besides cases: exchange failures, peer silence, missing acks.

Also the `alert.ack` handler: a peer tells us a person on duty there took our message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import translation

from alerts import events, selectors, services
from alerts.models import EscalationPolicy, RemoteAck
from audit.services import record
from exchange import schemas
from exchange.handlers import Received
from exchange.models import InboundMessage
from net247 import db

WATCHED_TYPES = ("case.notification", "case.request", "takedown.request")


def silence_minutes() -> int:
    """The threshold `peer list` and /metrics call a peer silent on (exchange's)."""
    from exchange.selectors import silence_after

    return int(silence_after().total_seconds() // 60)


def on_sessions_ended(sender: Any, user_id: int, generation: int, reason: str = "",
                      **kwargs: Any) -> None:  # fmt: skip
    """accounts ended the user's sessions (after commit): close the user's open desks."""
    events.close_connections(user_id, generation)


def on_delivery_failed(sender: Any, destination: str, envelope_id: str, reason: str,
                       code: str = "", **kwargs: Any) -> None:  # fmt: skip
    """One alert per final failure (the contract's duty). A `clock_skew` refusal says
    what to do about it: no retry helps while the two clocks differ by over 300 s."""
    kind = "clock_skew" if code == "clock_skew" else "delivery_failed"
    params: dict[str, Any] = {"country": destination, "reason": reason[:500]}
    if kind == "clock_skew":
        params["contacts"] = selectors.peer_contacts(destination)
    services.alert_raise(
        kind=kind,
        params=params,
        # The stored words are the node language's, for search and old readers; pages
        # render the params in the reader's language (alerts.labels).
        title=_english(kind, params),
        urgency="urgent",
        summary=reason,
        object_type="exchange.outboundmessage",
        object_id=envelope_id,
        users=selectors.coordinators_on_duty(),
        dedupe_key=f"delivery_failed:{destination}:{envelope_id}",
    )


def on_delivery_overdue(sender: Any, destination: str, envelope_id: str, urgency: str,
                        **kwargs: Any) -> None:  # fmt: skip
    params = {
        "country": destination,
        "urgency": urgency,
        "contacts": selectors.peer_contacts(destination),
    }
    services.alert_raise(
        kind="delivery_overdue",
        params=params,
        title=_english("delivery_overdue", params),
        urgency="urgent",
        summary=_contacts_text(destination),
        object_type="exchange.outboundmessage",
        object_id=envelope_id,
        users=selectors.coordinators_on_duty(),
        dedupe_key=f"delivery_overdue:{destination}:{envelope_id}",
    )


def on_message_failed(sender: Any, message: InboundMessage, **kwargs: Any) -> None:
    """A received message was stored with its receipt but its handler failed: nothing of
    it took effect (no item, no alert for the prosecutor), so the coordinators must act."""
    with transaction.atomic():
        params = {
            "country": message.origin,
            "type": message.type,
            "error": message.error[:300],
        }
        services.alert_raise(
            kind="receive_failed",
            params=params,
            title=_english("receive_failed", params),
            urgency="urgent",
            summary=f"manage.py message failed; then message reprocess {message.origin} "
            f"{message.envelope_id} once the cause is fixed. {message.error[:300]}",
            object_type="exchange.inboundmessage",
            object_id=message.envelope_id,
            origin=message.origin,
            users=selectors.coordinators_on_duty(),
            dedupe_key=f"receive_failed:{message.origin}:{message.envelope_id}",
        )


def on_message_refused(sender: Any, origin: str, envelope_id: str, type: str, reason: str,
                       details: dict[str, Any], **kwargs: Any) -> None:  # fmt: skip
    """This node, as a witness, refused a peer's audit checkpoint: that peer's log does
    not extend the head we co-signed (rewritten, rolled back or forked). The coordinators
    here must call the peer's; the entry `exchange.refused` is on the auditor's page."""
    if type != schemas.AUDIT_CHECKPOINT.name:
        return
    witnessed = details.get("witnessed") or {}
    claimed = details.get("claimed") or {}
    params = {
        "country": origin,
        "witnessed_size": int(witnessed.get("size", 0)),
        "witnessed_root": str(witnessed.get("root_hash", "")),
        "claimed_size": int(claimed.get("size", 0)),
        "claimed_root": str(claimed.get("root_hash", "")),
        "reason": reason[:500],
        "contacts": selectors.peer_contacts(origin),
    }
    with transaction.atomic():
        services.alert_raise(
            kind="checkpoint_refused",
            params=params,
            title=_english("checkpoint_refused", params),
            urgency="urgent",
            summary=reason[:1000],
            object_type="exchange.peer",
            object_id=origin,
            origin=origin,
            users=selectors.coordinators_on_duty(),
            dedupe_key=f"checkpoint_refused:{origin}:{params['claimed_size']}:"
            f"{params['claimed_root']}",
        )


def _english(kind: str, params: dict[str, Any]) -> str:
    """The title in English with the values as stored (the row's searchable words)."""
    from alerts.labels import SYSTEM_TITLES

    with translation.override("en"):
        return str(SYSTEM_TITLES[kind]) % {k: str(v) for k, v in params.items()}


def _contacts_text(country: str) -> str:
    contacts = selectors.peer_contacts(country)
    if not contacts:
        return f"No duty contact of {country} configured (alerts peer contacts)."
    return "; ".join(f"{c['name']} {c['phone']}" for c in contacts)


def on_alert_ack(msg: Received[schemas.AlertAck]) -> None:
    """Store who acknowledged which of our envelopes; a repeat stores and audits nothing."""
    body = msg.body
    by = body.get("by") or {}
    ack = RemoteAck(
        message_id=msg.envelope_id,
        envelope_id=body["ref"],
        country=msg.origin,
        at=schemas.parse_time(body["at"]),
        by_role=str(by.get("role", ""))[:30],
        by_name=str(by.get("name", ""))[:150],
    )
    # One statement, no savepoint in the inbox's transaction (exists() then create() took
    # two round trips on every acknowledgement).
    if db.insert(ack, conflict=("message_id",)):
        record(action="alert.ack_received", actor=None, peer=msg.origin,
               object_type="exchange.outboundmessage", object_id=body["ref"])  # fmt: skip


def check_peer_silence(now: datetime) -> int:
    """An alert per silent episode of a peer (nothing heard for N minutes)."""
    from exchange.models import Peer

    limit = now - timedelta(minutes=silence_minutes())
    raised = 0
    for peer in Peer.objects.filter(active=True):
        heard = peer.last_heard_at or peer.enrolled_at
        if heard is None or heard >= limit:
            continue
        params = {
            "country": peer.country,
            "since": heard.isoformat(),
            "contacts": selectors.peer_contacts(peer.country),
        }
        services.alert_raise(
            kind="peer_silent",
            params=params,
            title=f"Nothing heard from {peer.country} since {heard:%Y-%m-%d %H:%M} UTC",
            urgency="urgent",
            summary=_contacts_text(peer.country),
            object_type="exchange.peer",
            object_id=peer.country,
            users=selectors.coordinators_on_duty(now),
            dedupe_key=f"peer_silent:{peer.country}:{heard.isoformat()}",
        )
        raised += 1
    return raised


def check_unacknowledged(now: datetime) -> int:
    """Our immediate/urgent messages a destination has not acknowledged within the window."""
    from exchange.models import OutboundMessage

    raised = 0
    for urgency in ("immediate", "urgent"):
        policy = EscalationPolicy.objects.filter(urgency=urgency).first()
        window = timedelta(minutes=policy.ack_window_minutes if policy else 15)
        messages = OutboundMessage.objects.filter(
            type__in=WATCHED_TYPES,
            urgency=urgency,
            created_at__lte=now - window,
            created_at__gte=now - window - timedelta(days=1),
        ).prefetch_related("entries__destination")
        for message in messages:
            acked = set(
                RemoteAck.objects.filter(envelope_id=message.envelope_id).values_list(
                    "country", flat=True
                )
            )
            for entry in message.entries.all():
                country = entry.destination.country
                if country in acked:
                    continue
                params = {
                    "country": country,
                    "type": message.type,
                    "minutes": int(window.total_seconds() // 60),
                    "contacts": selectors.peer_contacts(country),
                }
                services.alert_raise(
                    kind="not_acknowledged",
                    params=params,
                    title=f"{country} has not acknowledged {message.type} within "
                    f"{int(window.total_seconds() // 60)} min",
                    urgency="urgent",
                    summary=f"Call {country}: {_contacts_text(country)}",
                    object_type="exchange.outboundmessage",
                    object_id=message.envelope_id,
                    users=selectors.coordinators_on_duty(now),
                    dedupe_key=f"not_acknowledged:{message.envelope_id}:{country}",
                )
                raised += 1
    return raised
