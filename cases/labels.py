"""The cases app's internal values in words, in one place for pages, e-mails and the demo's
narration: takedown statuses, requested actions, answer statuses, the titles of received
items; the protocol's message types and request kinds come from exchange.labels.

The values themselves are the wire contract's (federation-v1); only their words live here.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exchange.labels import REQUEST_KIND_LABELS, message_type_label, request_kind_label

__all__ = ["REQUEST_KIND_LABELS", "message_type_label", "request_kind_label"]

TAKEDOWN_STATUS_LABELS: dict[str, Promise] = {
    "sent": pgettext_lazy("takedown", "Sent, no answer yet"),
    "received": pgettext_lazy("takedown", "Received"),
    "under_review": pgettext_lazy("takedown", "Under review"),
    "order_issued": pgettext_lazy("takedown", "Order issued"),
    "blocked": pgettext_lazy("takedown", "Blocked"),
    "removed": pgettext_lazy("takedown", "Removed"),
    "refused": pgettext_lazy("takedown", "Refused"),
    "platform_unresponsive": pgettext_lazy("takedown", "Platform does not respond"),
}
REQUESTED_ACTION_LABELS: dict[str, Promise] = {
    "block": _("Block access"),
    "remove": _("Remove the content"),
}
ANSWER_STATUS_LABELS: dict[str, Promise] = {
    "answered": pgettext_lazy("answer", "Answered in full"),
    "partial": pgettext_lazy("answer", "Answered in part"),
    "refused": pgettext_lazy("answer", "Refused"),
}


def _word(table: dict[str, Promise], value: str) -> str:
    label = table.get(value or "")
    return str(label) if label is not None else value


def takedown_status_label(status: str) -> str:
    return _word(TAKEDOWN_STATUS_LABELS, status)


def requested_action_label(action: str) -> str:
    return _word(REQUESTED_ACTION_LABELS, action)


def answer_status_label(status: str) -> str:
    return _word(ANSWER_STATUS_LABELS, status)


def inbound_title(item: Any) -> str:
    """A received item's title in the reader's language. Requests and answers were stored
    as "<kind or status>: <case_ref>" (the values, as received): the value becomes words."""
    title = str(item.title)
    kind, sep, rest = title.partition(": ")
    if not sep:
        return title
    if item.kind == "request" and kind in REQUEST_KIND_LABELS:
        return f"{request_kind_label(kind)}: {rest}"
    if item.kind == "response" and kind in ANSWER_STATUS_LABELS:
        return f"{answer_status_label(kind)}: {rest}"
    return title
