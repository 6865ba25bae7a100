"""The protocol's vocabulary in words (pages, e-mails, the demo's narration): message
types and request kinds; a reader sees "Уведомление о деле", never `case.notification`."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGE_TYPE_LABELS: dict[str, Promise] = {
    "case.notification": _("Case notification"),
    "case.update": _("Case update"),
    "case.request": _("Request"),
    "case.response": _("Answer"),
    "takedown.request": _("Takedown request"),
    "takedown.status": _("Takedown status report"),
    "alert.ack": _("Acknowledgement by the person on duty"),
    "node.keys": _("Signing keys of a node"),
    "receipt": _("Receipt"),
    # Private match (issue 22)
    "match.query": _("Private check of indicators"),
    "match.answer": _("Answer to a private check"),
}

REQUEST_KIND_LABELS: dict[str, Promise] = {
    "information": _("Information"),
    "preservation": _("Preservation of data"),
    "assistance": _("Assistance"),
}


def request_kind_label(kind: str) -> str:
    label = REQUEST_KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def message_type_label(kind: str) -> str:
    """The type's name in the active language; an unknown (newer) type, as sent."""
    label = MESSAGE_TYPE_LABELS.get(kind)
    return str(label) if label is not None else kind
