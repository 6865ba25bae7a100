"""Node identity actions: initialise and rotate keys, each audited in its transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.services import record
from node import keystore
from node.models import NodeKey
from node.signals import key_rotated


def node_init(*, label: str | None = None) -> tuple[NodeKey, bool]:
    """Create the first key if there is none. Idempotent: returns (key, created)."""
    with transaction.atomic():
        existing = NodeKey.objects.filter(is_current=True).first()
        if existing is not None:
            return existing, False
        key = keystore.create_key(label=label)
        record(
            action="node.init",
            object_type="node_key",
            object_id=key.key_id,
            details={"public_key": key.public_key},
        )
    return key, True


def node_rotate_key(*, label: str | None = None) -> NodeKey:
    """Make a new current key; the old one stays valid for messages it signed until now."""
    with transaction.atomic():
        old = keystore.current_key()
        now = timezone.now().replace(microsecond=0)
        key = keystore.create_key(label=label)
        NodeKey.objects.filter(pk=old.pk).update(valid_until=now)
        record(
            action="node.rotate_key",
            object_type="node_key",
            object_id=key.key_id,
            details={"previous": old.key_id, "public_key": key.public_key},
        )
        key_rotated.send(sender=NodeKey, new_key_id=key.key_id)
    return key
