"""The one place every app records what happened. Views never write entries."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import chain, context
from audit.models import AuditEntry, AuditHead

SECRET_KEYS = {"password", "token", "secret", "otp", "private_key", "seed"}


def _scrub(details: dict[str, Any]) -> dict[str, Any]:
    return {k: ("[redacted]" if k.lower() in SECRET_KEYS else v) for k, v in details.items()}


def _actor_of(actor: Any, peer: str) -> tuple[str, str, str]:
    if peer:
        return peer, "peer", ""
    if actor is None:
        request = context.get().request
        user = getattr(request, "user", None) if request is not None else None
        if user is not None and getattr(user, "is_authenticated", False):
            actor = user
    if actor is None:
        return "", "system", ""
    return str(actor.get_username()), "user", str(getattr(actor, "role", ""))


def entry_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "actor_kind": entry.actor_kind,
        "role": entry.role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "outcome": entry.outcome,
        "client_ip": entry.client_ip,
        "request_id": entry.request_id,
        "details": entry.details,
    }


def record(
    *,
    action: str,
    actor: Any = None,
    peer: str = "",
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = "success",
    details: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (a savepoint when one is open).

    actor: the user acting (default: the request's user); peer: a peer node's country.
    """
    ctx = context.get()
    name, kind, role = _actor_of(actor, peer)
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            seq=head.last_seq + 1,
            at=timezone.now(),
            actor=name,
            actor_kind=kind,
            role=role,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            outcome=outcome,
            client_ip=client_ip if client_ip is not None else ctx.client_ip,
            request_id=ctx.request_id,
            details=_scrub(details or {}),
            prev_hash=head.last_hash,
        )
        entry.entry_hash = chain.entry_digest(entry.prev_hash, entry_fields(entry))
        entry.save(force_insert=True)
        head.last_seq = entry.seq
        head.last_hash = entry.entry_hash
        head.save(update_fields=["last_seq", "last_hash"])
    return entry
