"""What a page says, in the recipient's language: the same words for e-mail and webhook.

A person woken at 3 a.m. reads the subject on a phone's lock screen: it says what
happened (the kind in words), how urgent, and the title; the body adds where from, how
many alerts like it the page stands for (a group's leader), what to do, and the link
to the alert page (absolute: `settings.NODE_URL`). Titles come from other countries'
messages: every control character (CR and LF included) is removed from the subject,
which must be one header line.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alerts import labels
from alerts.channels.base import PageMessage, WebhookPayload
from alerts.models import Alert, Delivery
from node import places

SUBJECT_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def clean_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """One line: control characters become spaces, runs of spaces one, at most `limit`."""
    line = " ".join(_CONTROL.sub(" ", text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def alert_url(alert: Alert) -> str:
    return settings.NODE_URL + reverse("alerts:detail", args=[alert.pk])


def language_of(user: object) -> str:
    """The recipient's language: their own when accounts keeps one, else the node's."""
    return str(getattr(user, "language", "") or settings.LANGUAGE_CODE)


def compose(delivery: Delivery) -> PageMessage:
    """The message of one delivery (its page's alert, step and person, its channel)."""
    page = delivery.page
    alert = page.alert
    with translation.override(language_of(page.user)):
        kind = str(labels.kind_label(alert.kind))
        urgency = str(labels.urgency_label(alert.urgency))
        others = max(alert.group_size - 1, 0)
        more = (
            ngettext("and %(n)d more like it", "and %(n)d more like it", others) % {"n": others}
            if others
            else ""
        )
        url = alert_url(alert)
        title = clean_line(labels.alert_title(alert), 300)
        summary = labels.alert_summary(alert)
        subject = f"[net247 {settings.NODE_COUNTRY}] {urgency}: {kind}: {title}"
        if more:
            subject += f" ({more})"
        lines = [kind, title]
        if alert.origin:
            lines.append(_("From: %(country)s") % {"country": places.country_name(alert.origin)})
        lines.append(_("Urgency: %(urgency)s") % {"urgency": urgency})
        if more:
            lines.append(more[:1].upper() + more[1:] + ".")
        if summary:
            lines += ["", summary]
        lines += ["", _("Open the alert and acknowledge it:"), url, ""]
        lines.append(
            _("Alert %(id)s, step %(step)s, pass %(pass)s.")
            % {"id": alert.pk, "step": page.step + 1, "pass": page.repeat + 1}
        )
        body = "\n".join(lines) + "\n"
    payload: WebhookPayload = {
        "node": settings.NODE_COUNTRY,
        "alert": alert.pk,
        "kind": alert.kind,
        "title": title,
        "summary": summary,
        "urgency": alert.urgency,
        "origin": alert.origin,
        "created_at": alert.created_at.isoformat(),
        "step": page.step,
        "repeat": page.repeat,
        "delivery": delivery.pk,
        "url": url,
        "kind_label": kind,
        "urgency_label": urgency,
        "count": alert.group_size,
        "text": body,
    }
    return PageMessage(
        target=delivery.channel.target,
        subject=clean_line(subject),
        body=body,
        payload=payload,
    )
