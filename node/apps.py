from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class NodeConfig(AppConfig):
    name = "node"
    verbose_name = "Node identity and keys"

    def ready(self) -> None:
        connection_created.connect(_private_sqlite, dispatch_uid="node.private_sqlite")


def _private_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The embedded database holds cases and the audit log: readable by the node's user
    only (0600), whatever the umask it was created under; like the key files."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(name + suffix)
        try:
            if path.exists() and path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError:
            pass  # not ours to change (a read-only copy): the node still runs
