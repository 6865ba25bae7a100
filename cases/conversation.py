"""A thread as a conversation (what Europol SIENA users know): its subject, each message
in words (kind, sender, time with zone, signature and receipts), and what is still awaited.

Pure presentation over `selectors.thread_view` and the case rows it names: no writes,
no protocol value on the page (message types, delivery and inbound states become words).
The free-text reply travels as `case.update` with `changes: {}` and a `note`; such an
update is shown as a message, not as a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import legal
from cases.models import Case, InboundItem, Notification, OutboundRequest, Takedown, Urgency
from exchange.labels import MESSAGE_TYPE_LABELS
from node import places
from node.templatetags.node_time import duration_words

# The protocol's message types in words: one place for every page (exchange.labels).
KINDS: dict[str, Any] = dict(MESSAGE_TYPE_LABELS)
MESSAGE = gettext_lazy("Message")
REQUEST_KINDS: dict[str, Any] = {
    "information": gettext_lazy("information"),
    "preservation": gettext_lazy("preservation of data"),
    "assistance": gettext_lazy("assistance"),
}
RESPONSE_STATUSES: dict[str, Any] = {
    "answered": gettext_lazy("answered"),
    "partial": gettext_lazy("partly answered"),
    "refused": gettext_lazy("refused"),
}
CHANGED: dict[str, Any] = {
    "title": gettext_lazy("title"),
    "summary": gettext_lazy("summary"),
    "urgency": gettext_lazy("urgency"),
    "facts": gettext_lazy("facts"),
    "status": gettext_lazy("status"),
}
CASE_STATUS: dict[str, Any] = dict(Case.Status.choices)
URGENCY: dict[str, Any] = dict(Urgency.choices)


@dataclass
class Subject:
    reference: str
    title: str
    url: str
    link_text: str
    origin: str = ""
    answerable: bool = False


@dataclass
class Row:
    envelope_id: str
    outgoing: bool
    kind: str
    sender: str
    at: datetime | None
    sender_country: str
    text: str
    lines: list[str] = field(default_factory=list)
    signature: str = ""
    receipts: list[dict[str, Any]] = field(default_factory=list)
    state: str = ""


def subject_of(thread: str) -> Subject:
    """The case (ours or received) or takedown the thread is about."""
    note = Notification.objects.filter(envelope_id=thread).select_related("case").first()
    if note is not None:
        case = note.case
        return Subject(
            case.reference,
            case.title,
            reverse("cases:detail", args=[case.pk]),
            _("Back to the case"),
            answerable=True,
        )
    root = InboundItem.objects.filter(thread=thread, kind=InboundItem.Kind.NOTIFICATION).first()
    item = root or InboundItem.objects.filter(thread=thread).order_by("received_at").first()
    if item is not None:
        return Subject(
            item.ref,
            item.title,
            reverse("cases:inbound-detail", args=[item.pk]),
            _("Back to the received item"),
            origin=item.origin,
            answerable=root is not None,
        )
    request = OutboundRequest.objects.filter(envelope_id=thread).first()
    if request is not None:
        target = (
            reverse("cases:detail", args=[request.case_id])
            if request.case_id
            else reverse("cases:inbound-detail", args=[request.inbound_id])
        )
        return Subject(request.case_ref, request.text[:120], target, _("Back to the case"))
    takedown = Takedown.objects.filter(envelope_id=thread).first()
    if takedown is not None:
        return Subject(
            takedown.request_ref,
            _("Takedown request"),
            reverse("cases:takedown-detail", args=[takedown.pk]),
            _("Back to the takedown request"),
        )
    return Subject("", "", "", "")


def _text(message: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(kind in words, main text, extra lines) of a message."""
    kind = message["type"]
    body = (message.get("envelope") or {}).get("body") or {}
    label = str(KINDS.get(kind, _("Message")))
    lines: list[str] = []
    if kind == "case.notification":
        return label, f"{body.get('title', '')}", [str(body.get("summary", ""))]
    if kind == "case.update":
        changes = body.get("changes") or {}
        note = str(body.get("note", ""))
        if not changes:
            return str(MESSAGE), note, []
        for key, value in changes.items():
            if key == "status":
                shown = str(CASE_STATUS.get(value, value))
            elif key == "urgency":
                shown = str(URGENCY.get(value, value))
            elif key == "facts":
                shown = "; ".join(legal.fact_label(str(f)) for f in value or [])
            else:
                shown = str(value)
            lines.append(f"{capfirst(str(CHANGED.get(key, key)))}: {shown}")
        return label, note, lines
    if kind == "case.request":
        what = str(REQUEST_KINDS.get(body.get("kind", ""), body.get("kind", "")))
        due = parse_datetime(str(body.get("due_by", "")))
        line = [_("Due by %(when)s") % {"when": zoned(due)}] if due else []
        return f"{label}: {what}", str(body.get("text", "")), line
    if kind == "case.response":
        status = str(RESPONSE_STATUSES.get(body.get("status", "answered"), ""))
        return f"{label} ({status})", str(body.get("text", "")), []
    if kind == "alert.ack":
        by = body.get("by") or {}
        who = _who(str(by.get("name", "")), str(by.get("role", "")))
        return label, _("Taken in hand by %(who)s.") % {"who": who or _("the person on duty")}, []
    if kind == "takedown.request":
        targets = ", ".join(str(t.get("url") or t.get("domain")) for t in body.get("targets", []))
        return label, targets, []
    if kind == "takedown.status":
        return label, f"{body.get('target', '')}", [str(body.get("note", ""))]
    return label, "", []


def _who(name: str, role: str) -> str:
    """'Ivanov (Prosecutor)', 'the person on duty (Prosecutor)' when the peer sent no name."""
    from cases.selectors import role_label

    label = role_label(role)
    if name and label:
        return f"{name} ({label})"
    if label:  # as the case page says it: "the person on duty (Prosecutor)"
        return f"{_('the person on duty')} ({label})"
    return name


def zoned(at: datetime | None, country: str = "") -> str:
    from node.templatetags.node_time import zoned as zoned_filter

    return zoned_filter(at, country)


INBOUND_STATES: dict[str, Any] = {
    "pending": gettext_lazy("being processed"),
    "processed": "",
    "unhandled": gettext_lazy("kept; this node does not act on this kind of message"),
    "waiting": gettext_lazy("waiting for an earlier message of the conversation"),
    "failed": gettext_lazy("could not be applied here; the coordinators were alerted"),
}


def rows_of(view: dict[str, Any]) -> list[Row]:
    acks: dict[str, list[dict[str, Any]]] = view.get("acks") or {}
    rows: list[Row] = []
    for m in view["messages"]:
        kind, text, lines = _text(m)
        envelope = m.get("envelope") or {}
        key = str((envelope.get("signature") or {}).get("key_id", ""))
        if m["direction"] == "out":
            receipts = []
            for d in m.get("deliveries", []):
                receipts.append(
                    {
                        "country": d["destination"],
                        "words": _delivery_words(d),
                        "ok": bool(d.get("receipt")),
                        "css": "receipt",
                    }
                )
            for a in acks.get(str(m["envelope_id"]), []):
                at = parse_datetime(a["at"]) if isinstance(a.get("at"), str) else a.get("at")
                who = _who(a.get("name", ""), a.get("role", ""))
                receipts.append(
                    {
                        "country": a.get("country", ""),
                        "words": _("acknowledged by %(who)s, %(when)s")
                        % {"who": who or _("the person on duty"), "when": zoned(at)},
                        "ok": True,
                        "css": "ack",
                    }
                )
            rows.append(
                Row(
                    envelope_id=str(m["envelope_id"]),
                    outgoing=True,
                    kind=kind,
                    sender=places.country_name(envelope.get("origin", "")),
                    at=m["at"],
                    sender_country="",
                    text=text,
                    lines=[x for x in lines if x],
                    signature=_("Signed by this node (key %(key)s).") % {"key": key},
                    receipts=receipts,
                )
            )
        else:
            origin = str(m.get("origin", ""))
            rows.append(
                Row(
                    envelope_id=str(m["envelope_id"]),
                    outgoing=False,
                    kind=kind,
                    sender=places.country_name(origin),
                    at=m["at"],
                    sender_country=origin,
                    text=text,
                    lines=[x for x in lines if x],
                    signature=_("Signature of %(country)s verified on arrival (key %(key)s).")
                    % {"country": places.country_name(origin), "key": key},
                    state=str(INBOUND_STATES.get(m.get("state", ""), "")),
                )
            )
    return rows


def _delivery_words(d: dict[str, Any]) -> str:
    if d.get("receipt"):
        return _("delivered, signed receipt verified, %(when)s") % {
            "when": zoned(d.get("delivered_at"))
        }
    if d.get("status") == "failed":
        return _("not delivered: the country refused it; the coordinators were alerted")
    return _("not delivered yet, still trying")


def awaited(view: dict[str, Any]) -> list[str]:
    """What the conversation still waits for, oldest first: deliveries without a receipt
    and our notifications or requests nobody there has acknowledged or answered."""
    now = timezone.now()
    acks: dict[str, list[dict[str, Any]]] = view.get("acks") or {}
    answered = {
        str(m.get("envelope", {}).get("in_reply_to") or "")
        for m in view["messages"]
        if m["direction"] == "in" and m["type"] == "case.response"
    }
    # One line per (country, what is awaited): the oldest message it is awaited for.
    waits: dict[tuple[str, str], str] = {}
    for m in view["messages"]:
        if m["direction"] != "out":
            continue
        since = duration_words((now - m["at"]).total_seconds())
        acked = {a.get("country") for a in acks.get(str(m["envelope_id"]), [])}
        for d in m.get("deliveries", []):
            name = d["destination"]
            if not d.get("receipt"):
                waits.setdefault(
                    (name, "delivery"),
                    _("%(country)s: not delivered yet, %(since)s")
                    % {"country": name, "since": since},
                )
            elif m["type"] == "case.notification" and name not in acked:
                waits.setdefault(
                    (name, "ack"),
                    _("%(country)s: no acknowledgement yet, %(since)s")
                    % {"country": name, "since": since},
                )
            elif m["type"] == "case.request" and str(m["envelope_id"]) not in answered:
                waits.setdefault(
                    (name, "answer"),
                    _("%(country)s: request not answered yet, %(since)s")
                    % {"country": name, "since": since},
                )
    return list(waits.values())


def updates_of(item: InboundItem) -> list[dict[str, Any]]:
    """The `case.update`s applied to a received notification, in words: what changed
    (a closing says so) and the origin's note; a note alone is a message."""
    shown = []
    for u in item.updates or []:
        at = parse_datetime(str(u.get("received_at", "")))
        kind, note, lines = _text(
            {"type": "case.update", "envelope": {"body": {"changes": u.get("changes") or {},
                                                          "note": u.get("note", "")}}}
        )  # fmt: skip
        shown.append({"at": at, "kind": kind, "note": note, "lines": lines})
    return shown
