from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from exchange.handlers import Received
    from exchange.schemas import NodeKeys


class ExchangeConfig(AppConfig):
    name = "exchange"

    def ready(self) -> None:
        from exchange import checkpoints, handlers, schemas, tasks, witness  # noqa: F401 (tasks)
        from node.signals import key_rotated, node_started

        handlers.register(schemas.NODE_KEYS, _learn_keys, before_receipt=True)
        # Judged before the receipt: the receipt IS this node's cosignature of the head.
        handlers.register(schemas.AUDIT_CHECKPOINT, witness.on_checkpoint, before_receipt=True)
        checkpoints.register()
        key_rotated.connect(_announce_keys, dispatch_uid="exchange.announce_keys")
        node_started.connect(_announce_presence, dispatch_uid="exchange.announce_presence")


def _learn_keys(message: Received[NodeKeys]) -> None:
    """A verified node.keys from a peer (signed by a key we trust): learn its keys. A
    document that contradicts a pinned key is refused (422), not retried for ever."""
    from exchange import handlers, keyring
    from exchange.models import Peer

    try:
        keyring.apply_node_keys(Peer.objects.get(country=message.origin), message.envelope)
    except keyring.KeyProblem as exc:
        raise handlers.Refused(exc.code, exc.message) from exc


def _announce_presence(sender: Any, **kwargs: Any) -> None:
    """`node run` starts serving: tell the peers we are up (our node.keys, signed now)."""
    from exchange import services

    services.announce_presence()


def _announce_keys(sender: Any, new_key_id: str, **kwargs: Any) -> None:
    """Inside the rotation's transaction: queue node.keys to every peer."""
    from exchange import services

    services.announce_keys(new_key_id=new_key_id)
