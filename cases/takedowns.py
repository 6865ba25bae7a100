"""Takedown requests: file, report status, chase, join a mirror; and the board's figures.

Lifecycle of one (target, country), the same on both sides, written once in `NEXT`:

    (sent) -> received -> under_review -> order_issued -> blocked -> removed
                 |             |              |
                 +-------------+--------------+--> refused | platform_unresponsive

A step may skip ahead (a country may answer `blocked` straight after `received`); it
never goes back. `refused`, `platform_unresponsive` and `removed` are ends; `blocked`
may still become `removed` (the content taken down at its source). Anything else is a
step back: a *correction*, which must carry a reason (the `note`).

- The receiver of a request (who decides) refuses to send a step back without a reason
  (`takedown_status_report` raises ServiceError on `note`); with one it is sent as an
  ordinary `takedown.status` and recorded as a correction.
- The requester folds the steps a country reported, ordered by their `at` (then by
  envelope id: UUIDv7, time-ordered), through the same rule (`fold`): a step back with
  a note is applied and shown as a correction; one without (another implementation
  may send it) is kept and shown, with the reason it was not applied, but does not
  move the current state. Folding on every read, not on arrival, makes both nodes
  agree whatever order the messages arrive in.

A chase re-asks a country about a cell still pending: a `case.request` (kind
`information`) on the request's thread, `case_ref` = our request_ref; the receiver
files it as a received request and pages its duty officer. One per (request, country)
per `CHASE_INTERVAL`.

Mirrors: a join files a new takedown.request for the mirror domain with the body member
`mirror_of` = the original request_ref (an extra body member, which the contract keeps
and ignores where unknown). A receiver that already decided the original positively
(order_issued, blocked or removed for any of its targets) skips its review: it answers
`order_issued` at once with a note naming the original.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import statistics
from typing import Any, NamedTuple, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import record
from cases import handling as handling_rules
from cases import matching, services
from cases.blocking import feed
from cases.models import (
    InboundItem,
    InboundTakedownTarget,
    MirrorProposal,
    OutboundRequest,
    Takedown,
    TakedownStep,
    target_name,
)
from cases.services import ServiceError, next_reference
from exchange import schemas
from exchange.selectors import thread_messages
from exchange.services import message_send
from node.templatetags.node_time import duration_words

# The values are the contract's (exchange.schemas); the lifecycle below is ours.
STATUSES = schemas.TAKEDOWN_STATUSES
DONE = ("blocked", "removed")
FINAL = ("blocked", "removed", "refused")
ENDS = ("removed", "refused", "platform_unresponsive")
POSITIVE = ("order_issued", "blocked", "removed")
# The forward steps from each state ("sent": nothing reported yet). The one place the
# order is defined; everything else asks `is_forward`.
NEXT: dict[str, frozenset[str]] = {
    "sent": frozenset(STATUSES),
    "received": frozenset(STATUSES[1:]),
    "under_review": frozenset(STATUSES[2:]),
    "order_issued": frozenset(("blocked", "removed", "refused", "platform_unresponsive")),
    "blocked": frozenset(("removed",)),
    "removed": frozenset(),
    "refused": frozenset(),
    "platform_unresponsive": frozenset(),
}
# Tie-break for steps stamped in the same millisecond (a mirror's received and
# order_issued are sent together): the lifecycle order.
RANK = {status: index for index, status in enumerate(STATUSES)}
CHASE_INTERVAL = dt.timedelta(minutes=30)
UUID7_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-", re.IGNORECASE)


def is_forward(current: str, new: str) -> bool:
    return new in NEXT.get(current, frozenset())


def is_pending(status: str) -> bool:
    """Still waiting for the country: nothing final reported (blocked counts as done)."""
    return status not in (*ENDS, "blocked")


STATUS_LABELS = {
    "sent": gettext_lazy("Sent, no answer yet"),
    "received": gettext_lazy("Received"),
    "under_review": gettext_lazy("Under review"),
    "order_issued": gettext_lazy("Order issued"),
    "blocked": gettext_lazy("Blocked"),
    "removed": gettext_lazy("Removed"),
    "refused": gettext_lazy("Refused"),
    "platform_unresponsive": gettext_lazy("Platform unresponsive"),
}
ACTION_LABELS = {"block": gettext_lazy("Block access"), "remove": gettext_lazy("Remove content")}


def status_label(status: str) -> str:
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def takedown_body(t: Takedown) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_ref": t.request_ref,
        "targets": t.targets,
        "legal_basis": t.legal_basis,
        "requested_action": t.requested_action,
        "indicators": [{"kind": i.kind, "value": i.value} for i in t.indicators.all()],
        "evidence": t.evidence,
        "urgency": t.urgency,
    }
    if t.mirror_of is not None:
        body["mirror_of"] = t.mirror_of.request_ref
    if t.handling == "H3" and t.restrictions:
        body["restrictions"] = t.restrictions
    return body


def takedown_create(
    *,
    actor: Any,
    targets: list[dict[str, str]],
    legal_basis: dict[str, str],
    requested_action: str,
    urgency: str,
    to: list[str],
    evidence: list[dict[str, str]] | None = None,
    indicators: list[dict[str, str]] | None = None,
    handling: str = "H0",
    restrictions: str = "",
    mirror_of: Takedown | None = None,
) -> Takedown:
    """File and send one takedown request to one, several or all peers (`to`)."""
    countries = sorted(set(to))
    if not countries or settings.NODE_COUNTRY in countries:
        raise ServiceError("to", _("Choose one or more other countries."))
    with transaction.atomic():
        takedown = Takedown.objects.create(
            request_ref=next_reference("TD"),
            targets=targets,
            legal_country=legal_basis["country"],
            legal_code=legal_basis.get("code", "CC"),
            legal_article=legal_basis["article"],
            legal_part=legal_basis.get("part", ""),
            requested_action=requested_action,
            evidence=evidence or [],
            urgency=urgency,
            handling=handling,
            restrictions=restrictions,
            destinations=countries,
            envelope_id="",
            mirror_of=mirror_of,
            created_by=actor,
        )
        rows = matching.store(indicators or [], takedown=takedown)
        message = message_send(
            type="takedown.request",
            to=countries,
            body=takedown_body(takedown),
            handling=handling,
            actor=actor,
        )
        takedown.envelope_id = message.envelope_id
        takedown.save(update_fields=["envelope_id"])
        record(
            action="takedown.create",
            actor=actor,
            object_type="cases.takedown",
            object_id=takedown.pk,
            details={
                "request_ref": takedown.request_ref,
                "to": countries,
                "targets": len(targets),
                "indicators": len(rows),
                "mirror_of": mirror_of.request_ref if mirror_of else "",
            },
        )
    return takedown


def _mirror_release(proposal: MirrorProposal, original: Takedown) -> handling_rules.Release:
    """The mirror carries the found domain and the shared indicator to the original's
    countries: allowed only as the indicator's source allows, never below either code."""
    source = None
    if proposal.source_handling:
        source = handling_rules.Source(
            proposal.source_origin, proposal.source_handling, proposal.source_restrictions
        )
    decision = handling_rules.release([source], original.destinations)
    if decision.refused:
        raise ServiceError(decision.field or "to", decision.refused)
    if handling_rules.RANK.get(original.handling, 0) > handling_rules.RANK[decision.handling]:
        return handling_rules.Release(handling=original.handling, restrictions="")
    return decision


def mirror_join(*, actor: Any, proposal: MirrorProposal) -> Takedown:
    """Join a proposed mirror domain to its request, in one action."""
    with transaction.atomic():
        locked = MirrorProposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
        if locked.status != MirrorProposal.Status.PROPOSED:
            raise ServiceError("status", _("This mirror was already joined or dismissed."))
        original = Takedown.objects.get(pk=locked.takedown.root_id)
        decision = _mirror_release(locked, original)
        mirror = takedown_create(
            actor=actor,
            targets=[{"domain": locked.domain}],
            legal_basis=original.legal_basis,
            requested_action=original.requested_action,
            urgency=original.urgency,
            to=original.destinations,
            evidence=original.evidence,
            indicators=[{"kind": locked.shared_kind, "value": locked.shared_value}],
            handling=decision.handling,
            restrictions=decision.restrictions,
            mirror_of=original,
        )
        locked.status = MirrorProposal.Status.JOINED
        locked.joined_as = mirror
        locked.save(update_fields=["status", "joined_as"])
        record(
            action="takedown.mirror.join",
            actor=actor,
            object_type="cases.takedown",
            object_id=original.pk,
            details={"domain": locked.domain, "mirror": mirror.request_ref},
        )
    return mirror


def mirror_dismiss(*, actor: Any, proposal: MirrorProposal) -> None:
    with transaction.atomic():
        MirrorProposal.objects.filter(pk=proposal.pk).update(status=MirrorProposal.Status.DISMISSED)
        record(
            action="takedown.mirror.dismiss",
            actor=actor,
            object_type="cases.mirrorproposal",
            object_id=proposal.pk,
        )


def _report(
    item: InboundItem,
    target: InboundTakedownTarget,
    status: str,
    note: str,
    at: dt.datetime | None = None,
) -> str:
    body: dict[str, Any] = {
        "request_ref": item.ref,
        "target": target.target,
        "status": status,
        "at": schemas.format_time(at or timezone.now()),
    }
    if note:
        body["note"] = note
    message = message_send(
        type="takedown.status",
        to=[item.origin],
        body=body,
        handling="H0",
        thread=item.thread,
        in_reply_to=item.envelope_id,
    )
    return str(message.envelope_id)


def takedown_status_report(
    *,
    actor: Any,
    item: InboundItem,
    target: str,
    status: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> str:
    """The receiver's decision on one target, reported back as `takedown.status`.

    Only forward steps (`NEXT`); a step back is a correction and needs a reason in
    `note`, else ServiceError on `note` and nothing is sent. `at` is when it happened
    (default now; a blocking registry's confirmation gives its own time). A decision
    that moves the target in or out of the blocking set appends the feed entry in the
    same transaction (`cases.blocking.feed`)."""
    if item.kind != InboundItem.Kind.TAKEDOWN:
        raise ServiceError("id", _("This is not a received takedown request."))
    if status not in STATUSES:
        raise ServiceError("status", _("Choose one of the listed states."))
    note = note.strip()
    with transaction.atomic():
        row = (
            InboundTakedownTarget.objects.select_for_update(no_key=True)
            .filter(item=item, target=target)
            .first()
        )
        if row is None:
            raise ServiceError("target", _("Not a target of this request."))
        correction = not is_forward(row.status, status)
        if correction and not note:
            raise ServiceError(
                "note",
                _(
                    "“%(new)s” would be a step back from “%(current)s”: a correction "
                    "needs a reason, which is sent with it."
                )
                % {"new": status_label(status), "current": status_label(row.status)},
            )
        previous = row.status
        row.status, row.note = status, note
        row.save(update_fields=["status", "note", "updated_at"])
        moment = at or timezone.now()
        envelope_id = _report(item, row, status, note, moment)
        entry = feed.entry_for_decision(
            item=item,
            row=row,
            previous=previous,
            status=status,
            decided_by=actor.get_username() if actor is not None else "",
            at=moment,
            note=note,
        )
        open_left = item.targets.exclude(status__in=(*FINAL, "platform_unresponsive")).exists()
        InboundItem.objects.filter(pk=item.pk).update(
            status=InboundItem.Status.IN_PROGRESS if open_left else InboundItem.Status.CLOSED
        )
        record(
            action="takedown.status.send",
            actor=actor,
            object_type="cases.inbounditem",
            object_id=item.pk,
            details={
                "target": target,
                "status": status,
                "previous": previous,
                "correction": correction,
                "envelope_id": envelope_id,
                "feed_cursor": entry.cursor if entry is not None else None,
            },
        )
    return envelope_id


def receive_targets(item: InboundItem) -> None:
    """On arrival: one row per target, `received` reported back; a mirror of a request
    already decided here skips the review and is answered `order_issued`."""
    inherited = ""
    if item.mirror_of:
        decided = InboundTakedownTarget.objects.filter(
            item__kind=InboundItem.Kind.TAKEDOWN,
            item__origin=item.origin,
            item__ref=item.mirror_of,
            status__in=POSITIVE,
        ).first()
        if decided is not None:
            inherited = f"review of {item.mirror_of} applies (mirror)"
    for target in item.body.get("targets", []):
        name = str(target.get("url") or target.get("domain") or "")
        row, _ = InboundTakedownTarget.objects.get_or_create(item=item, target=name)
        _report(item, row, "received", "")
        if inherited:
            previous = row.status
            row.status, row.note = "order_issued", inherited
            row.save(update_fields=["status", "note", "updated_at"])
            _report(item, row, "order_issued", inherited)
            feed.entry_for_decision(
                item=item,
                row=row,
                previous=previous,
                status="order_issued",
                decided_by="",
                at=timezone.now(),
                note=inherited,
            )


def status_received(
    *, origin: str, envelope_id: str, body: schemas.TakedownStatus
) -> TakedownStep | None:
    """A `takedown.status` from a destination of one of our requests. Every step is
    stored (it is what the country said); whether it moves the current state is
    decided when the steps are folded (`fold`), so arrival order does not matter."""
    takedown = Takedown.objects.filter(request_ref=body["request_ref"]).first()
    if takedown is None or origin not in takedown.destinations:
        record(
            action="takedown.status.ignored",
            peer=origin,
            object_type="cases.takedown",
            outcome="refused",
            details={"request_ref": body["request_ref"], "envelope_id": envelope_id},
        )
        return None
    step, _created = TakedownStep.objects.get_or_create(
        country=origin,
        envelope_id=envelope_id,
        defaults={
            "takedown": takedown,
            "target": body["target"],
            "status": body["status"],
            "at": schemas.parse_time(body["at"]),
            "note": str(body.get("note", "")),
        },
    )
    cell = [
        s
        for s in fold(_cell_steps(takedown, step.target, origin))
        if s.envelope_id == step.envelope_id
    ]
    record(
        action="takedown.status.received",
        peer=origin,
        object_type="cases.takedown",
        object_id=takedown.pk,
        details={
            "target": step.target,
            "status": step.status,
            "applied": cell[0].kind if cell else "step",
        },
    )
    return step


@dataclasses.dataclass(frozen=True)
class Folded:
    """One reported step and what it did: `step` (forward), `correction` (back, with a
    reason) or `ignored` (back without a reason: kept, not applied)."""

    status: str
    at: dt.datetime
    note: str
    envelope_id: str
    kind: str
    current: str  # the state after this step


class StepLike(Protocol):
    """What the fold reads of a step: a `TakedownStep`, or a `StepRow` read as values."""

    @property
    def status(self) -> str: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def note(self) -> str: ...
    @property
    def envelope_id(self) -> str: ...
    @property
    def pk(self) -> Any: ...


class StepRow(NamedTuple):
    """A step read as a tuple (the statistics fold every step: no model instances)."""

    status: str
    at: dt.datetime
    note: str
    envelope_id: str
    pk: int


def _order(step: StepLike) -> tuple[Any, ...]:
    # `at` has whole seconds; a UUIDv7's first 48 bits are the sender's milliseconds.
    # Without them (an id that is not a UUID), the lifecycle order decides a tie.
    millis = step.envelope_id[:13] if UUID7_RE.match(step.envelope_id) else ""
    return (step.at, millis, RANK.get(step.status, 99), step.envelope_id, step.pk or 0)


def _cell_steps(takedown: Takedown, target: str, country: str) -> list[TakedownStep]:
    return list(takedown.steps.filter(target=target, country=country))


def fold(steps: list[TakedownStep] | list[StepRow]) -> list[Folded]:
    """The steps of one (target, country) in order, through the lifecycle rule."""
    current = "sent"
    out = []
    for step in sorted(steps, key=_order):
        if is_forward(current, step.status):
            kind = "step"
        elif step.note.strip():
            kind = "correction"
        else:
            kind = "ignored"
        if kind != "ignored":
            current = step.status
        out.append(Folded(step.status, step.at, step.note, step.envelope_id, kind, current))
    return out


def decided(item: InboundItem) -> list[dict[str, Any]]:
    """The decider's side of a received request: per target its row, and the steps this
    node sent (its `takedown.status` messages on the item's thread) folded by the same
    rule as the requester's board, so both pages tell the same story, corrections
    included."""
    sent: dict[str, list[TakedownStep]] = {}
    for m in thread_messages(item.thread):
        body = m["envelope"].get("body", {})
        if m["direction"] != "out" or m["type"] != "takedown.status":
            continue
        if body.get("request_ref") != item.ref:
            continue
        at = schemas.parse_time(body["at"])
        sent.setdefault(str(body["target"]), []).append(
            TakedownStep(
                target=body["target"],
                country=settings.NODE_COUNTRY,
                status=body["status"],
                at=at,
                note=str(body.get("note", "")),
                envelope_id=m["envelope_id"],
            )
        )
    rows = []
    for row in item.targets.all():
        folded = fold(sent.get(row.target, []))
        last = folded[-1] if folded else None
        rows.append(
            {
                "row": row,
                "steps": folded,
                "corrected": last is not None and last.kind == "correction",
                "reason": last.note if last is not None else "",
            }
        )
    return rows


def board(takedown: Takedown, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per target x country: the current state, each step with the time it took, how
    long the cell has been waiting, and the reason of a refusal or a correction."""
    now = now or timezone.now()
    steps: dict[tuple[str, str], list[TakedownStep]] = {}
    for step in takedown.steps.all():
        steps.setdefault((step.target, step.country), []).append(step)
    rows = []
    for target in takedown.target_names:
        for country in takedown.destinations:
            previous = takedown.created_at
            shown = []
            folded = fold(steps.get((target, country), []))
            for f in folded:
                shown.append(
                    {
                        "status": f.status,
                        "label": status_label(f.status),
                        "at": f.at,
                        "took_seconds": max(0, int((f.at - previous).total_seconds())),
                        "note": f.note,
                        "kind": f.kind,
                    }
                )
                if f.kind != "ignored":
                    previous = f.at
            current = folded[-1].current if folded else "sent"
            applied = [f for f in folded if f.kind != "ignored"]
            last = applied[-1] if applied else None
            pending = is_pending(current)
            rows.append(
                {
                    "target": target,
                    "country": country,
                    "status": current,
                    "label": status_label(current),
                    "steps": shown,
                    "elapsed_seconds": int((previous - takedown.created_at).total_seconds()),
                    "pending": pending,
                    "pending_seconds": (
                        max(0, int((now - takedown.created_at).total_seconds()))
                        if pending
                        else None
                    ),
                    "corrected": last is not None and last.kind == "correction",
                    "reason": last.note if last is not None else "",
                    "ignored": [f for f in folded if f.kind == "ignored"],
                }
            )
    return rows


def takedown_chase(*, actor: Any, takedown: Takedown, country: str) -> OutboundRequest:
    """Re-ask one country about a request still pending there: a `case.request`
    (information) on the request's thread, naming the targets still waiting."""
    if country not in takedown.destinations:
        raise ServiceError("country", _("This request was not sent to that country."))
    with transaction.atomic():
        locked = Takedown.objects.select_for_update(no_key=True).get(pk=takedown.pk)
        cells = [r for r in board(locked) if r["country"] == country and r["pending"]]
        if not cells:
            raise ServiceError("country", _("Nothing is pending in that country."))
        last = (
            OutboundRequest.objects.filter(thread=locked.envelope_id, country=country)
            .order_by("-sent_at")
            .first()
        )
        if last is not None and timezone.now() - last.sent_at < CHASE_INTERVAL:
            raise ServiceError(
                "country",
                _("Already chased %(ago)s ago; wait at least %(wait)d minutes between reminders.")
                % {
                    "ago": duration_words((timezone.now() - last.sent_at).total_seconds()),
                    "wait": CHASE_INTERVAL.total_seconds() // 60,
                },
            )
        waiting = ", ".join(f"{r['target']} ({status_label(r['status'])})" for r in cells)
        text = _(
            "Reminder: takedown request %(ref)s is still awaiting your decision: %(targets)s."
        ) % {
            "ref": locked.request_ref,
            "targets": waiting,
        }
        due = timezone.now() + services.DUE_AFTER[locked.urgency]
        message = message_send(
            type="case.request",
            to=[country],
            body={
                "case_ref": locked.request_ref,
                "kind": "information",
                "text": text,
                "due_by": schemas.format_time(due),
            },
            handling=locked.handling,
            thread=locked.envelope_id,
            in_reply_to=locked.envelope_id,
            actor=actor,
        )
        req = OutboundRequest.objects.create(
            case_ref=locked.request_ref,
            country=country,
            kind="information",
            text=text,
            due_by=due,
            handling=locked.handling,
            envelope_id=message.envelope_id,
            thread=locked.envelope_id,
            sent_by=actor,
        )
        record(
            action="takedown.chase",
            actor=actor,
            object_type="cases.takedown",
            object_id=locked.pk,
            details={
                "to": country,
                "targets": [r["target"] for r in cells],
                "envelope_id": message.envelope_id,
            },
        )
    return req


def statistics_figures(now: dt.datetime | None = None, weeks: int = 12) -> dict[str, Any]:
    """Per country: cells done (blocked or removed) with the median time to get there,
    refused, platform unresponsive and still pending; requests still awaiting a country's
    decision, by age; and the median time to removal per week (of the request) and
    country over the last `weeks`.

    Each cell is folded through the lifecycle (`board`), so a corrected step counts as
    the country finally said, and a step back without a reason counts for nothing."""
    now = now or timezone.now()
    since = now - dt.timedelta(weeks=weeks)
    since_day = timezone.localtime(since).date()  # weeks are the node's local weeks
    first_week = since_day - dt.timedelta(days=since_day.weekday())
    week_list = [first_week + dt.timedelta(weeks=i) for i in range(weeks + 1)]
    per: dict[str, dict[str, Any]] = {}
    done: dict[str, list[float]] = {}
    trend: dict[str, dict[dt.date, list[float]]] = {}
    # The cells folded as on the board (`board`), from the steps read as tuples: no model
    # instances, no labels (the board's display), one read of each table.
    cells: dict[int, dict[tuple[str, str], list[StepRow]]] = {}
    fields = ("takedown_id", "target", "country", *StepRow._fields)
    rows = TakedownStep.objects.order_by().values_list(*fields).iterator(chunk_size=5000)
    for takedown_id, target, country, *rest in rows:
        cell = cells.setdefault(takedown_id, {}).setdefault((target, country), [])
        cell.append(StepRow._make(rest))
    takedowns = Takedown.objects.order_by().values_list(
        "pk", "created_at", "targets", "destinations"
    )
    buckets = {"<1d": 0, "1-3d": 0, "3-7d": 0, ">7d": 0}
    for pk, created_at, targets, destinations in takedowns.iterator(chunk_size=2000):
        steps = cells.get(pk, {})
        awaited = False
        for name in (target_name(t) for t in targets):
            for country in destinations:
                folded = fold(steps.get((name, country), []))
                status = folded[-1].current if folded else "sent"
                c = per.setdefault(
                    country, {"done": 0, "refused": 0, "platform_unresponsive": 0, "pending": 0}
                )
                if status in DONE:
                    c["done"] += 1
                    reached = next(f for f in _applied_done(folded) if f.status in DONE)
                    seconds = max(0.0, (reached.at - created_at).total_seconds())
                    done.setdefault(country, []).append(seconds)
                    if created_at >= since:
                        local = timezone.localtime(created_at).date()
                        week = local - dt.timedelta(days=local.weekday())
                        trend.setdefault(country, {}).setdefault(week, []).append(seconds)
                elif status in ("refused", "platform_unresponsive"):
                    c[status] += 1
                else:
                    c["pending"] += 1
                    awaited = True
        if awaited:  # open while a country has not decided (the stored status never closes)
            age = (now - created_at).total_seconds() / 86400
            key = "<1d" if age < 1 else "1-3d" if age < 3 else "3-7d" if age < 7 else ">7d"
            buckets[key] += 1
    medians = {c: statistics.median(v) for c, v in sorted(done.items())}
    for country, c in per.items():
        c["median_seconds"] = medians.get(country)
    return {
        "median_seconds": medians,
        "open_by_age": buckets,
        "per_country": dict(sorted(per.items())),
        "trend": {
            "weeks": week_list,
            "countries": {
                country: [
                    statistics.median(by_week[w]) if w in by_week else None for w in week_list
                ]
                for country, by_week in sorted(trend.items())
            },
        },
    }


def _applied_done(folded: list[Folded]) -> list[Folded]:
    """The applied steps from the last time the cell left the done states (a correction
    out of `blocked` and a new `blocked` later counts from the new one)."""
    applied = [f for f in folded if f.kind != "ignored"]
    start = 0
    for i, f in enumerate(applied):
        if f.status not in DONE:
            start = i + 1
    return applied[start:] or applied
