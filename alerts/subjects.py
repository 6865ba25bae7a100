"""What an alert is about, told by the app that raised it.

alerts pages people about objects it does not own (a received case notification lives in
`cases`, an undelivered message in `exchange`), and it may not import `cases`. So the
raising app registers, per `object_type`, how the duty desk links to the object, which
template fragment the alert page includes to show it, and what acknowledging the alert
does to it (e.g. the prosecutor who acknowledges is assigned the item). This mirrors
`exchange.handlers.register`: one-way imports, one extension point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alerts.models import Alert


@dataclass(frozen=True)
class Subject:
    """How one object type behaves on the desk and the alert page.

    - `url(alert)`: the object's page, or None when it has none.
    - `template` and `context(user, alert)`: a fragment shown on the alert page; the
      context function returns None when the user may not see the object (the alert
      page then shows the alert alone, never an error).
    - `on_acknowledged(alert, actor)`: runs inside the acknowledgement's transaction.
    """

    url: Callable[[Alert], str | None]
    template: str = ""
    context: Callable[[Any, Alert], dict[str, Any] | None] | None = None
    on_acknowledged: Callable[[Alert, Any], None] | None = None


_subjects: dict[str, Subject] = {}


def register(object_type: str, subject: Subject) -> None:
    """Called from an AppConfig.ready(); a second registration replaces the first."""
    _subjects[object_type] = subject


def get(object_type: str) -> Subject | None:
    return _subjects.get(object_type)


def url_of(alert: Alert) -> str | None:
    subject = _subjects.get(alert.object_type)
    return subject.url(alert) if subject is not None else None
