"""The alerts app's input error, in a module of its own.

`alerts.services` re-exports it (callers keep writing `services.AlertsError`); the channel
registry and the snapshot parser raise it too, and they sit below the services, so the
error cannot live in services.py without an import cycle.
"""

from __future__ import annotations

from node.errors import ServiceError


class AlertsError(ServiceError):
    """Bad input; `field` names the offending field (API: 400 with field errors)."""
