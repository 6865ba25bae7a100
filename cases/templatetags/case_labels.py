"""Words for the cases' values on pages and fragments (cases/labels.py holds them):
indicator kinds, takedown statuses, requested actions, request kinds, message types."""

from __future__ import annotations

from django import template

from cases import labels
from cases.indicators import KIND_LABELS
from exchange.labels import message_type_label

register = template.Library()


@register.filter
def indicator_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


register.filter("takedown_status", labels.takedown_status_label)
register.filter("requested_action", labels.requested_action_label)
register.filter("request_kind", labels.request_kind_label)
register.filter("answer_status", labels.answer_status_label)
register.filter("message_type", message_type_label)
register.filter("inbound_title", labels.inbound_title)
