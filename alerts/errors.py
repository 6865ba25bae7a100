"""The alerts app's input error, in a module of its own.

`alerts.services` re-exports it (callers keep writing `services.AlertsError`); the channel
registry and the snapshot parser raise it too, and they sit below the services, so the
error cannot live in services.py without an import cycle.
"""

from __future__ import annotations


class AlertsError(ValueError):
    """Bad input; `field` names the offending field (API: 400 with field errors)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
