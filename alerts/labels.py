"""Alert kinds, urgencies, escalation actions and delivery states in words.

One home for the words, shared by the duty desk, the alert page, history, e-mails and
webhooks: a page or a message never shows `inbound_notification` or `urgent`.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

KIND_LABELS: dict[str, Promise] = {
    "inbound_notification": _("Case notification received"),
    "inbound_request": _("Request for assistance received"),
    "inbound_takedown": _("Takedown request received"),
    "indicator_hit": _("Indicator matches one of our cases"),
    "delivery_failed": _("Message could not be delivered"),
    "delivery_overdue": _("Message still undelivered"),
    "clock_skew": _("Message refused: clocks differ"),
    "receive_failed": _("Received message could not be processed"),
    "peer_silent": _("Country not heard from"),
    "not_acknowledged": _("Our message not acknowledged"),
    "due_soon": _("Deadline near"),
}
URGENCY_LABELS: dict[str, Promise] = {
    "immediate": _("Immediate"),
    "urgent": _("Urgent"),
    "routine": _("Routine"),
}
STEP_ACTION_LABELS: dict[str, Promise] = {
    "schedule": _("the prosecutor on call"),
    "user": _("a named person"),
    "users": _("the people concerned"),
    "coordinators": _("the coordinators"),
}
DELIVERY_STATUS_LABELS: dict[str, Promise] = {
    "queued": _("queued"),
    "sending": _("sending"),
    "sent": _("sent"),
    "failed": _("failed"),
}


def kind_label(kind: str) -> Promise | str:
    return KIND_LABELS.get(kind, _("Alert"))


def urgency_label(urgency: str) -> Promise | str:
    return URGENCY_LABELS.get(urgency, urgency)


def step_action_label(action: str) -> Promise | str:
    return STEP_ACTION_LABELS.get(action, _("the next step"))


def delivery_status_label(status: str) -> Promise | str:
    return DELIVERY_STATUS_LABELS.get(status, status)
