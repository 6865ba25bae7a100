"""The cases app's internal values in words, in one place for pages, e-mails and the demo's
narration: takedown statuses, requested actions, answer statuses, the titles of received
items; the protocol's message types and request kinds come from exchange.labels.

The values themselves are the wire contract's (federation-v1); only their words live here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from cases.takedowns import ACTION_LABELS as REQUESTED_ACTION_LABELS
from cases.takedowns import STATUS_LABELS as TAKEDOWN_STATUS_LABELS
from exchange.labels import REQUEST_KIND_LABELS, message_type_label, request_kind_label

# The takedown lifecycle's words live with the lifecycle (cases.takedowns); the protocol's
# message types and request kinds with the protocol (exchange.labels).
__all__ = [
    "REQUESTED_ACTION_LABELS",
    "REQUEST_KIND_LABELS",
    "TAKEDOWN_STATUS_LABELS",
    "message_type_label",
    "request_kind_label",
]

ANSWER_STATUS_LABELS: dict[str, Promise] = {
    "answered": pgettext_lazy("answer", "Answered in full"),
    "partial": pgettext_lazy("answer", "Answered in part"),
    "refused": pgettext_lazy("answer", "Refused"),
}


def _word(table: Mapping[str, Promise], value: str) -> str:
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
