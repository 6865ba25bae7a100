"""Writes for cases: create, notify, update, request, respond, assign, forward.

Every function opens its transaction, writes its audit entry and, when it crosses a
border, its outbox message (exchange.services.message_send) in that same transaction.

Due dates of `case.request` (after EU Directive 2023/977, art. 5): the request's urgency
picks the deadline. `immediate` -> 8 hours (urgent request for directly accessible
information), `urgent` -> 3 days (urgent, other information), `routine` -> 7 days.

Handling codes: every path that sends received content on asks `cases.handling.release`
(H2 and H3 content goes back to its origin only, codes are never lowered, H3
restrictions travel with the content); a refusal is `ForwardRefused`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audited_transaction, record
from cases import access, legal, matching
from cases import handling as handling_rules
from cases.handling import Release
from cases.models import (
    Case,
    Counter,
    Handling,
    InboundItem,
    Notification,
    OutboundRequest,
    Urgency,
    Victim,
)
from exchange import schemas
from exchange.services import message_send
from node import jobs
from node.errors import ServiceError as BaseServiceError

DUE_AFTER = {
    "immediate": dt.timedelta(hours=8),
    "urgent": dt.timedelta(days=3),
    "routine": dt.timedelta(days=7),
}


class ServiceError(BaseServiceError):
    """A refused action on a case; `field` names the input at fault (the API answers 400)."""


class ForwardRefused(ServiceError):
    pass


def next_reference(kind: str = "") -> str:
    """`MD-2026-0001` (cases) or `MD-TD-2026-0001` (takedowns); call inside a transaction."""
    year = timezone.now().year
    prefix = f"{settings.NODE_COUNTRY}-{kind + '-' if kind else ''}{year}"
    counter, _ = Counter.objects.select_for_update(no_key=True).get_or_create(name=prefix)
    counter.value += 1
    counter.save(update_fields=["value"])
    return f"{prefix}-{counter.value:04d}"


def case_create(
    *,
    actor: Any,
    title: str,
    summary: str,
    offence: dict[str, str],
    facts: list[str],
    urgency: str,
    indicators: list[dict[str, str]],
    victims: list[dict[str, Any]] | None = None,
    assigned: list[Any] | None = None,
    unit: str | None = None,
    derived_from: InboundItem | None = None,
    handling: str = "",
    restrictions: str = "",
) -> Case:
    """File a case. `handling` is the code a person chose for what will be sent about it
    (blank: chosen at the first notification); H3 needs its restrictions stated."""
    if handling and handling not in Handling.values:
        raise ServiceError("handling", _("Choose a handling code."))
    if handling == Handling.H3 and not restrictions.strip():
        raise ServiceError("restrictions", _("Handling H3 needs its restrictions stated."))
    with transaction.atomic():
        case = Case.objects.create(
            reference=next_reference(),
            title=title,
            summary=summary,
            offence_country=offence["country"],
            offence_code=offence.get("code", "CC"),
            offence_article=offence["article"],
            offence_part=offence.get("part", ""),
            facts=list(facts),
            urgency=urgency,
            handling=handling,
            restrictions=restrictions.strip() if handling == Handling.H3 else "",
            unit=actor.unit if unit is None else unit,
            created_by=actor,
            derived_from=derived_from,
        )
        people = [actor, *(assigned or [])]
        case.assigned.set(assigned or [])
        access.grant("view_case", case, users=people, unit=case.unit)
        for victim in victims or []:
            Victim.objects.create(
                case=case, pseudonym=victim["pseudonym"], minor=bool(victim.get("minor"))
            )
        rows = matching.store(indicators, case=case)
        matching.propose_mirrors(rows, f"case {case.reference}")
        if settings.PRIVATE_MATCH_AUTO and rows and derived_from is None:
            # Opt-in: ask every peer privately about the new case (issue 22), after commit.
            jobs.enqueue("cases.tasks.auto_match", case.pk)
        record(
            action="case.create",
            actor=actor,
            object_type="cases.case",
            object_id=case.pk,
            details={
                "reference": case.reference,
                "indicators": len(rows),
                "handling": handling,
            },
        )
    return case


def notification_body(case: Case) -> dict[str, Any]:
    """What leaves the node: no victim data (only what the summary says, on purpose)."""
    body: dict[str, Any] = {
        "case_ref": case.reference,
        "title": case.title,
        "summary": case.summary,
        "offence": case.offence,
        "facts": list(case.facts),
        "indicators": [{"kind": i.kind, "value": i.value} for i in case.indicators.all()],
        "urgency": case.urgency,
        "language": "ru",
    }
    return body


def _release(
    case: Case, countries: list[str], handling: str | None, restrictions: str = ""
) -> Release:
    """What `handling.release` says for a case's content; a refusal raises ForwardRefused."""
    source = handling_rules.source_of(case.derived_from) if case.derived_from else None
    decision = handling_rules.release([source], countries, handling, restrictions)
    if decision.refused:
        raise ForwardRefused(decision.field, decision.refused)
    return decision


def case_notify(
    *,
    actor: Any,
    case: Case,
    to: list[str],
    handling: str,
    restrictions: str = "",
    only_indicators: list[dict[str, str]] | None = None,
) -> list[Notification]:
    """One signed `case.notification` to all destinations; its id becomes the thread.

    `only_indicators` (after a private match): send only those of the case's indicators,
    the ones the destination already holds; the others stay here."""
    countries = sorted(set(to))
    if not countries:
        raise ServiceError("to", _("Choose at least one country."))
    if settings.NODE_COUNTRY in countries:
        raise ServiceError("to", _("A node does not notify itself."))
    if handling not in Handling.values:
        raise ServiceError("handling", _("Choose a handling code."))
    decision = _release(case, countries, handling, restrictions)
    # The message's and the notification's audit entries go with the COMMIT (one round
    # trip on PostgreSQL; the chain's lock is held for the commit only).
    with audited_transaction():
        locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        already = set(locked.notifications.values_list("country", flat=True))
        if already & set(countries):
            raise ServiceError(
                "to",
                _("Already notified: %(countries)s.")
                % {"countries": ", ".join(sorted(already & set(countries)))},
            )
        body = notification_body(locked)
        if only_indicators is not None:
            wanted = {(i["kind"], i["value"]) for i in only_indicators}
            body["indicators"] = [
                i for i in body["indicators"] if (i["kind"], i["value"]) in wanted
            ]
        if decision.restrictions:
            body["restrictions"] = decision.restrictions
        message = message_send(
            type="case.notification", to=countries, body=body, handling=handling, actor=actor
        )
        today = timezone.localdate()
        rows = [
            Notification.objects.create(
                case=locked,
                country=country,
                handling=handling,
                envelope_id=message.envelope_id,
                comparison=legal.compare(locked.offence, country, locked.facts, today),
                sent_by=actor,
            )
            for country in countries
        ]
        record(
            action="case.notify",
            actor=actor,
            object_type="cases.case",
            object_id=locked.pk,
            details={
                "to": countries,
                "handling": handling,
                "envelope_id": message.envelope_id,
                "indicators": len(body["indicators"]),
            },
        )
    return rows


EDITABLE = ("title", "summary", "urgency", "facts", "status")


def _checked_changes(case: Case, changes: dict[str, Any]) -> dict[str, Any]:
    """The members that really change, each checked as the API checks a new case; a
    value equal to the current one is left out (nothing travels that did not change)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ServiceError(
            "changes", _("Unknown members: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    checked: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "title":
            if not isinstance(value, str) or not value.strip() or len(value) > 300:
                raise ServiceError("title", _("A title of 1 to 300 characters."))
            value = value.strip()
        elif key == "summary":
            if not isinstance(value, str) or not value.strip() or len(value) > 20000:
                raise ServiceError("summary", _("A summary of 1 to 20,000 characters."))
        elif key == "urgency":
            if value not in Urgency.values:
                raise ServiceError("urgency", _("Choose an urgency."))
        elif key == "status":
            if value not in Case.Status.values:
                raise ServiceError("status", _("Choose a status."))
        elif key == "facts":
            if not isinstance(value, list) or legal.fact_errors(value):
                raise ServiceError("facts", _("Facts must be tags of the legal map."))
            value = list(value)
        if getattr(case, key) != value:
            checked[key] = value
    return checked


def case_update(*, actor: Any, case: Case, changes: dict[str, Any], note: str = "") -> int:
    """Apply changes (edit, status change, closing) locally and send one `case.update`
    (body `case_ref`, `changes`, `note`) on every notification thread, in the same
    transaction as the change and its audit entry. Returns the number of threads.

    Only members that really change travel; a note alone is a message to the countries
    notified (see `thread_reply` for one thread)."""
    note = (note or "").replace("\x00", "").strip()
    with transaction.atomic():
        locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        checked = _checked_changes(locked, changes)
        if not checked and not note:
            raise ServiceError("changes", _("Nothing was changed."))
        for key, value in checked.items():
            setattr(locked, key, value)
        locked.save()
        threads: dict[str, list[str]] = {}
        handling_of: dict[str, str] = {}
        for n in locked.notifications.all():
            threads.setdefault(n.envelope_id, []).append(n.country)
            handling_of[n.envelope_id] = n.handling
        body: dict[str, Any] = {"case_ref": locked.reference, "changes": checked}
        if note:
            body["note"] = note
        for thread, countries in threads.items():
            _send_update(locked, thread, sorted(countries), handling_of[thread], body, actor)
        status = str(checked.get("status", ""))
        record(
            action={"closed": "case.close", "open": "case.reopen"}.get(status, "case.update"),
            actor=actor,
            object_type="cases.case",
            object_id=locked.pk,
            details={"changes": sorted(checked), "note": bool(note), "threads": len(threads)},
        )
    case.refresh_from_db()
    return len(threads)


def case_set_status(*, actor: Any, case: Case, status: str, note: str = "") -> int:
    """Close or reopen a case; travels as `case.update` with `changes: {status}`."""
    return case_update(actor=actor, case=case, changes={"status": status}, note=note)


def _send_update(
    case: Case, thread: str, to: list[str], handling: str, body: dict[str, Any], actor: Any
) -> Any:
    msg_body = dict(body)
    if handling == Handling.H3:
        stated = case.restrictions or "as stated in the notification of this thread"
        msg_body["restrictions"] = stated
    return message_send(
        type="case.update",
        to=to,
        body=msg_body,
        handling=handling,
        thread=thread,
        in_reply_to=thread,
        actor=actor,
    )


def thread_reply(*, actor: Any, thread: str, text: str) -> str:
    """A free-text message within a conversation, signed and sent like the others.

    The contract has no free-text type: it travels as `case.update` with `changes: {}`
    and `note: <text>` in the same thread, to the countries of our notification on that
    thread, or to the origin of the notification we received on it. The caller has
    checked that the actor may see the thread. Returns the envelope id."""
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ServiceError("text", _("Write the message first."))
    if len(text) > 5000:
        raise ServiceError("text", _("At most 5,000 characters."))
    if access.is_auditor(actor):
        raise ServiceError("text", _("Auditors do not write in conversations."))
    with transaction.atomic():
        ours = list(Notification.objects.filter(envelope_id=thread).select_related("case"))
        if ours:
            case = ours[0].case
            body: dict[str, Any] = {"case_ref": case.reference, "changes": {}, "note": text}
            countries = sorted({n.country for n in ours})
            message = _send_update(case, thread, countries, ours[0].handling, body, actor)
            target: tuple[str, Any] = ("cases.case", case.pk)
        else:
            root = InboundItem.objects.filter(
                thread=thread, kind=InboundItem.Kind.NOTIFICATION
            ).first()
            if root is None:
                raise ServiceError("thread", _("This conversation cannot be answered here."))
            decision = handling_rules.release([handling_rules.source_of(root)], [root.origin])
            body = {"case_ref": root.ref, "changes": {}, "note": text}
            if decision.restrictions:
                body["restrictions"] = decision.restrictions
            countries = [root.origin]
            message = message_send(
                type="case.update",
                to=countries,
                body=body,
                handling=decision.handling,
                thread=thread,
                in_reply_to=thread,
                actor=actor,
            )
            target = ("cases.inbounditem", root.pk)
        record(
            action="thread.reply",
            actor=actor,
            object_type=target[0],
            object_id=target[1],
            details={"to": countries, "thread": thread, "envelope_id": message.envelope_id},
        )
    return str(message.envelope_id)


def request_send(
    *,
    actor: Any,
    kind: str,
    text: str,
    urgency: str = "routine",
    due_by: dt.datetime | None = None,
    case: Case | None = None,
    country: str = "",
    inbound: InboundItem | None = None,
    handling: str = "H0",
) -> OutboundRequest:
    """`case.request` about a received notification (to its origin) or about one of our
    cases (to a country it was notified to), on that conversation's thread."""
    if due_by is not None and due_by <= timezone.now():
        raise ServiceError("due_by", _("The deadline must be in the future."))
    due = due_by or timezone.now() + DUE_AFTER[urgency]
    with transaction.atomic():
        if inbound is not None:
            country, case_ref = inbound.origin, inbound.ref
            thread, reply_to = inbound.thread, inbound.envelope_id
        elif case is not None:
            note = case.notifications.filter(country=country).first()
            if note is None:
                raise ServiceError("country", _("The case was not notified to that country."))
            case_ref, thread, reply_to = case.reference, note.envelope_id, note.envelope_id
        else:
            raise ServiceError("case", _("Name a case or a received item."))
        message = message_send(
            type="case.request",
            to=[country],
            body={
                "case_ref": case_ref,
                "kind": kind,
                "text": text,
                "due_by": schemas.format_time(due),
            },
            handling=handling,
            thread=thread,
            in_reply_to=reply_to,
            actor=actor,
        )
        req = OutboundRequest.objects.create(
            case=case,
            inbound=inbound,
            case_ref=case_ref,
            country=country,
            kind=kind,
            text=text,
            due_by=due,
            handling=handling,
            envelope_id=message.envelope_id,
            thread=thread,
            sent_by=actor,
        )
        record(
            action="case.request.send",
            actor=actor,
            object_type="cases.outboundrequest",
            object_id=req.pk,
            details={"to": country, "kind": kind, "envelope_id": message.envelope_id},
        )
    return req


def response_send(
    *,
    actor: Any,
    item: InboundItem,
    text: str,
    status: str = "answered",
    indicators: list[dict[str, str]] | None = None,
) -> str:
    """Answer a received request with `case.response` to its origin; returns envelope id."""
    if item.kind != InboundItem.Kind.REQUEST:
        raise ServiceError("id", _("Only a received request can be answered."))
    with transaction.atomic():
        locked = InboundItem.objects.select_for_update(no_key=True).get(pk=item.pk)
        decision = handling_rules.release([handling_rules.source_of(locked)], [locked.origin])
        body: dict[str, Any] = {"case_ref": locked.ref, "text": text, "status": status}
        if indicators:
            body["indicators"] = indicators
        if decision.restrictions:
            body["restrictions"] = decision.restrictions
        message = message_send(
            type="case.response",
            to=[locked.origin],
            body=body,
            handling=decision.handling,
            thread=locked.thread,
            in_reply_to=locked.envelope_id,
            actor=actor,
        )
        locked.status = InboundItem.Status.ANSWERED
        locked.save(update_fields=["status"])
        record(
            action="case.response.send",
            actor=actor,
            object_type="cases.inbounditem",
            object_id=locked.pk,
            details={"to": locked.origin, "status": status, "envelope_id": message.envelope_id},
        )
    return str(message.envelope_id)


def inbound_assign(*, actor: Any, item: InboundItem, user: Any | None, unit: str = "") -> None:
    """A coordinator assigns a received item to a prosecutor and/or a unit."""
    if not access.sees_everything(actor):
        raise ServiceError("assignee", _("Only a coordinator assigns received items."))
    with transaction.atomic():
        locked = InboundItem.objects.select_for_update(no_key=True).get(pk=item.pk)
        previous, previous_unit = locked.assigned_to, locked.unit
        locked.assigned_to = user
        locked.unit = unit or (user.unit if user is not None else "")
        if locked.status == InboundItem.Status.NEW:
            locked.status = InboundItem.Status.ASSIGNED
        locked.save(update_fields=["assigned_to", "unit", "status"])
        access.grant(
            "view_inbounditem", locked, users=[user] if user is not None else [], unit=locked.unit
        )
        revoked = _revoke_previous(locked, previous, previous_unit)
        record(
            action="inbound.assign",
            actor=actor,
            object_type="cases.inbounditem",
            object_id=locked.pk,
            details={
                "user": user.get_username() if user is not None else "",
                "unit": locked.unit,
                **revoked,
            },
        )


def _revoke_previous(item: InboundItem, previous: Any, previous_unit: str) -> dict[str, str]:
    """Access follows the assignment: the previous assignee (unless still entitled) and
    the previous unit (if the item left it) lose the item. What was taken, for the audit."""
    revoked: dict[str, str] = {}
    if previous is not None and previous != item.assigned_to and access.revoke_item(item, previous):
        revoked["revoked_user"] = previous.get_username()
    if previous_unit and previous_unit != item.unit and access.revoke_unit(item, previous_unit):
        revoked["revoked_unit"] = previous_unit
    return revoked


def inbound_take(*, actor: Any, item_id: int, alert_id: int | None = None) -> None:
    """The person who acknowledged an item's alert takes it: assigned to them (with read
    access), in the acknowledgement's transaction. Audited with the alert it came from.
    An item that is gone (deleted since) leaves nothing to take."""
    with transaction.atomic():
        locked = InboundItem.objects.select_for_update(no_key=True).filter(pk=item_id).first()
        if locked is None:
            return
        previous = locked.assigned_to
        locked.assigned_to = actor
        if not locked.unit:
            locked.unit = getattr(actor, "unit", "") or ""
        if locked.status == InboundItem.Status.NEW:
            locked.status = InboundItem.Status.ASSIGNED
        locked.save(update_fields=["assigned_to", "unit", "status"])
        access.grant("view_inbounditem", locked, users=[actor])
        revoked = _revoke_previous(locked, previous, locked.unit)
        record(
            action="inbound.assign",
            actor=actor,
            object_type="cases.inbounditem",
            object_id=locked.pk,
            details={"user": actor.get_username(), "via": "alert.acknowledged",
                     "alert": alert_id, **revoked},
        )  # fmt: skip


def inbound_set_status(*, actor: Any, item: InboundItem, status: str) -> None:
    with transaction.atomic():
        InboundItem.objects.filter(pk=item.pk).update(status=status)
        record(
            action="inbound.status",
            actor=actor,
            object_type="cases.inbounditem",
            object_id=item.pk,
            details={"status": status},
        )


def inbound_forward(
    *, actor: Any, item: InboundItem, to: list[str], handling: str
) -> list[Notification]:
    """Pass a received notification on to other countries as a case of ours.

    Refused for H2 content (the origin's consent is handled outside the system)."""
    if item.handling == Handling.H2:
        raise ForwardRefused(
            "to",
            _("Received from %(country)s under H2: it is not passed on to other countries.")
            % {"country": item.origin},
        )
    body = item.body
    with transaction.atomic():
        case = case_create(
            actor=actor,
            title=item.title,
            summary=item.text,
            offence=body.get("offence", {}),
            facts=list(body.get("facts", [])),
            urgency=item.urgency,
            indicators=list(body.get("indicators", [])),
            derived_from=item,
        )
        return case_notify(actor=actor, case=case, to=to, handling=handling)
