"""Alert kinds, urgencies and states in words on the desk, the alert page and history."""

from __future__ import annotations

from django import template

from alerts import labels

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    return str(labels.kind_label(kind))


@register.filter
def urgency_label(urgency: str) -> str:
    return str(labels.urgency_label(urgency))


@register.filter
def action_label(action: str) -> str:
    return str(labels.step_action_label(action))


@register.filter
def delivery_label(status: str) -> str:
    return str(labels.delivery_status_label(status))


register.filter("alert_title", labels.alert_title)
register.filter("alert_summary", labels.alert_summary)
register.filter("alert_commands", labels.alert_commands)
register.filter("alert_detail", labels.alert_detail)
