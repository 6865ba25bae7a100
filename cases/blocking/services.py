"""Registries (add, revoke) and their confirmations of feed entries.

A confirmation is what the registry did with one `add` entry: `blocked` at its time, or
`cannot_block` with a reason. It becomes the target's status through the same service a
coordinator uses (`takedown_status_report`: audited, the `takedown.status` to the
requesting country in the outbox, the feed entry if the set changes, one transaction),
with `at` = the registry's time and the registry as the actor. Repeating a confirmation
that is already the target's status changes nothing (registries retry).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.tokens import token_hash
from audit.services import record
from cases import takedowns
from cases.blocking.models import FeedEntry, Registry
from cases.models import InboundTakedownTarget
from cases.services import ServiceError

TOKEN_PREFIX = "n247reg_"  # noqa: S105 (a prefix, not a secret)
RESULTS = {"blocked": "blocked", "cannot_block": "refused"}


def registry_add(*, name: str, actor: object = None) -> tuple[Registry, str]:
    """A new registry and its token (returned once; only its hash is kept)."""
    name = name.strip()
    if not name or len(name) > 60:
        raise ServiceError("name", _("A registry needs a name of at most 60 characters."))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        if Registry.objects.filter(name=name).exists():
            raise ServiceError("name", _("A registry with this name already exists."))
        registry = Registry.objects.create(
            name=name,
            token_hash=token_hash(token),
            created_by=actor if isinstance(actor, User) else None,
        )
        record(
            action="blocking.registry.add",
            actor=actor,
            object_type="cases.registry",
            object_id=registry.pk,
            details={"name": name},
        )
    return registry, token


def registry_revoke(*, registry: Registry, actor: object = None) -> None:
    with transaction.atomic():
        Registry.objects.filter(pk=registry.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        record(
            action="blocking.registry.revoke",
            actor=actor,
            object_type="cases.registry",
            object_id=registry.pk,
            details={"name": registry.name},
        )


def entry_confirm(
    *, registry: Registry, cursor: int, result: str, at: dt.datetime, reason: str = ""
) -> str | None:
    """The registry's result for the `add` entry `cursor`; returns the envelope id of
    the `takedown.status` sent, None when the target already had that status."""
    if result not in RESULTS:
        raise ServiceError("result", _("Report “blocked” or “cannot_block”."))
    reason = reason.strip()
    if result == "cannot_block" and not reason:
        raise ServiceError("reason", _("Say why it cannot be blocked."))
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError("at", _("This time is in the future."))
    entry = (
        FeedEntry.objects.select_related("inbound_target__item")
        .filter(cursor=cursor, action=FeedEntry.Action.ADD)
        .first()
    )
    if entry is None:
        raise ServiceError("cursor", _("No entry to block has this cursor."))
    later = (
        FeedEntry.objects.filter(inbound_target_id=entry.inbound_target_id, cursor__gt=cursor)
        .values_list("cursor", flat=True)
        .first()
    )
    if later is not None:
        # Withdrawn (or decided again) since: confirming the old entry must not re-block.
        raise ServiceError(
            "cursor", _("This entry is superseded by entry %(cursor)s.") % {"cursor": later}
        )
    if at < entry.decided_at:
        # The board orders a country's steps by their time: a block before the order
        # would read as the order coming after it.
        raise ServiceError(
            "at",
            _("This is before the decision to block (%(at)s UTC).")
            % {"at": entry.decided_at.strftime("%Y-%m-%d %H:%M:%S")},
        )
    status = RESULTS[result]
    row: InboundTakedownTarget = entry.inbound_target
    current = InboundTakedownTarget.objects.filter(pk=row.pk).values_list("status", flat=True)
    if current.first() == status:
        return None
    note = reason or _("Blocked by registry %(name)s") % {"name": registry.name}
    return takedowns.takedown_status_report(
        actor=registry, item=row.item, target=row.target, status=status, note=note, at=at
    )
