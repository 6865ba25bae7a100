"""Alert kinds, urgencies, escalation actions and delivery states in words.

One home for the words, shared by the duty desk, the alert page, history, e-mails and
webhooks: a page or a message never shows `inbound_notification` or `urgent`.
"""

from __future__ import annotations

from typing import Any

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
    "case_message": _("Message about one of our cases"),
    "checkpoint_refused": _("Audit log of a country rewritten"),
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


# -- titles and summaries of the alerts the node raises itself ---------------------------
# Stored as the kind and its `params` (never as words: the reader's language is known only
# when it is read). An alert without params (a peer's title, a row from before params)
# shows its stored title and summary.

SYSTEM_TITLES: dict[str, Promise] = {
    "delivery_failed": _("Delivery to %(country)s failed"),
    "clock_skew": _("%(country)s refused our message: clocks differ by more than 300 s"),
    "delivery_overdue": _("%(urgency)s message to %(country)s still undelivered"),
    "receive_failed": _("%(type)s from %(country)s could not be processed"),
    "peer_silent": _("Nothing heard from %(country)s since %(since)s"),
    "not_acknowledged": _("%(type)s not acknowledged by %(country)s within %(minutes)s min"),
    "inbound_request": _("%(country)s: %(kind)s, %(ref)s"),
    "case_message": _("%(country)s wrote about our case %(ref)s"),
    "indicator_hit": _(
        "%(indicator)s %(value)s: in our %(ref)s and in %(their_ref)s from %(country)s"
    ),
    "checkpoint_refused": _(
        "The audit log of %(country)s does not extend the head witnessed here: checkpoint refused"
    ),
}
CHECKPOINT_REFUSED_HEADS = _(
    "Witnessed here: size %(witnessed_size)s, root %(witnessed_root)s. Claimed now: size "
    "%(claimed_size)s, root %(claimed_root)s."
)
CHECKPOINT_REFUSED_ADVICE = _(
    "Call the coordinator of %(country)s: entries of its audit log were changed or removed "
    "after we co-signed it. Keep this alert as evidence."
)
CLOCK_SKEW_ADVICE = _(
    "Check the time synchronisation of this node and ask the coordinator of %(country)s to "
    "check theirs; then send the message again."
)
RECEIVE_FAILED_ADVICE = _(
    "Nothing of the message took effect. Find the cause in the node's log, then process "
    "the message again."
)
CALL_ADVICE = _("Call %(country)s.")
CLOCK_COMMANDS = ("timedatectl timesync-status", "chronyc tracking")


def _values(alert: Any) -> dict[str, str]:
    from exchange.labels import indicator_kind_label, message_type_label, request_kind_label
    from node import places
    from node.templatetags.node_time import zoned

    params: dict[str, Any] = alert.params if isinstance(alert.params, dict) else {}
    values = {key: str(value) for key, value in params.items() if isinstance(value, str | int)}
    if "country" in values:
        values["country"] = places.country_name(values["country"])
    if "type" in values:
        values["type"] = message_type_label(values["type"])
    if "urgency" in values:
        values["urgency"] = str(urgency_label(values["urgency"]))
    if "kind" in values:
        values["kind"] = request_kind_label(values["kind"])
    if "indicator" in values:
        values["indicator"] = indicator_kind_label(values["indicator"])
    if "since" in values:
        from django.utils.dateparse import parse_datetime

        since = parse_datetime(values["since"])
        values["since"] = zoned(since) if since else values["since"]
    return values


def alert_title(alert: Any) -> str:
    """The alert's title in the active language."""
    template = SYSTEM_TITLES.get(alert.kind)
    if template is None or not alert.params:
        return str(alert.title)
    try:
        return str(template) % _values(alert)
    except (KeyError, TypeError, ValueError):
        return str(alert.title)


def alert_summary(alert: Any) -> str:
    """The alert's summary in the active language (advice and duty contacts)."""
    params: dict[str, Any] = alert.params if isinstance(alert.params, dict) else {}
    if not params or alert.kind not in SYSTEM_TITLES:
        return str(alert.summary)
    if alert.kind == "inbound_request":
        return ""  # the title says it all; the stored summary repeats it with the raw kind
    if alert.kind in ("case_message", "indicator_hit"):
        return str(alert.summary)  # the peer's own words (a message, a received item's title)
    values = _values(alert)
    lines: list[str] = []
    if alert.kind == "clock_skew":
        lines.append(str(CLOCK_SKEW_ADVICE) % values)
    elif alert.kind == "receive_failed":
        lines.append(str(RECEIVE_FAILED_ADVICE))
    elif alert.kind == "not_acknowledged":
        lines.append(str(CALL_ADVICE) % values)
    elif alert.kind == "checkpoint_refused":
        lines.append(str(CHECKPOINT_REFUSED_HEADS) % values)
        lines.append(str(CHECKPOINT_REFUSED_ADVICE) % values)
    if "contacts" in params:
        lines.append(contacts_text(params.get("country", ""), params["contacts"]))
    return "\n".join(line for line in lines if line)


def contacts_text(country: str, contacts: Any) -> str:
    from node import places

    people = [c for c in contacts or [] if isinstance(c, dict)]
    if not people:
        return str(
            _("No duty contact of %(country)s is on file: a coordinator adds it with the peer.")
        ) % {"country": places.country_name(country)}
    return str(_("Duty contacts of %(country)s: %(people)s")) % {
        "country": places.country_name(country),
        "people": "; ".join(f"{c.get('name', '')} {c.get('phone', '')}".strip() for c in people),
    }


def alert_commands(alert: Any) -> tuple[str, ...]:
    """Commands the advice names (shown as code, not translated)."""
    return CLOCK_COMMANDS if alert.kind == "clock_skew" and alert.params else ()


def alert_detail(alert: Any) -> str:
    """The technical detail as the system gave it (a transport error, in English)."""
    params: dict[str, Any] = alert.params if isinstance(alert.params, dict) else {}
    return str(params.get("reason") or params.get("error") or "")
