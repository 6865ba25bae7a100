"""Takedown requests: file, report status, join a mirror; and the board's figures.

Lifecycle per (target, country) of one of our requests, from the steps received:
(sent) -> received -> under_review -> order_issued -> blocked | removed, or refused, or
platform_unresponsive. A final state is blocked, removed or refused. The board shows the
time between consecutive steps, measured from our request's creation.

Mirrors: a join files a new takedown.request for the mirror domain with the body member
`mirror_of` = the original request_ref (an extra body member, which the contract keeps
and ignores where unknown). A receiver that already decided the original positively
(order_issued, blocked or removed for any of its targets) skips its review: it answers
`order_issued` at once with a note naming the original.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record
from cases import handling as handling_rules
from cases import matching, ports
from cases.models import (
    InboundItem,
    InboundTakedownTarget,
    MirrorProposal,
    Takedown,
    TakedownStep,
)
from cases.services import ServiceError, next_reference

STATUSES = (
    "received",
    "under_review",
    "order_issued",
    "blocked",
    "removed",
    "refused",
    "platform_unresponsive",
)
DONE = ("blocked", "removed")
FINAL = ("blocked", "removed", "refused")
POSITIVE = ("order_issued", "blocked", "removed")
RANK = {status: index for index, status in enumerate(STATUSES[:3])}


def fmt(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        raise ServiceError("to", "one or more other countries")
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
        message = ports.send(
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
        locked = MirrorProposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != MirrorProposal.Status.PROPOSED:
            raise ServiceError("status", f"the proposal is {locked.status}")
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


def _report(item: InboundItem, target: InboundTakedownTarget, status: str, note: str) -> str:
    body: dict[str, Any] = {
        "request_ref": item.ref,
        "target": target.target,
        "status": status,
        "at": fmt(timezone.now()),
    }
    if note:
        body["note"] = note
    message = ports.send(
        type="takedown.status",
        to=[item.origin],
        body=body,
        handling="H0",
        thread=item.thread,
        in_reply_to=item.envelope_id,
    )
    return str(message.envelope_id)


def takedown_status_report(
    *, actor: Any, item: InboundItem, target: str, status: str, note: str = ""
) -> str:
    """The receiver's decision on one target, reported back as `takedown.status`."""
    if item.kind != InboundItem.Kind.TAKEDOWN:
        raise ServiceError("id", "not a received takedown request")
    if status not in STATUSES:
        raise ServiceError("status", f"one of {', '.join(STATUSES)}")
    with transaction.atomic():
        row = (
            InboundTakedownTarget.objects.select_for_update()
            .filter(item=item, target=target)
            .first()
        )
        if row is None:
            raise ServiceError("target", "not a target of this request")
        row.status, row.note = status, note
        row.save(update_fields=["status", "note", "updated_at"])
        envelope_id = _report(item, row, status, note)
        open_left = item.targets.exclude(status__in=(*FINAL, "platform_unresponsive")).exists()
        InboundItem.objects.filter(pk=item.pk).update(
            status=InboundItem.Status.IN_PROGRESS if open_left else InboundItem.Status.CLOSED
        )
        record(
            action="takedown.status.send",
            actor=actor,
            object_type="cases.inbounditem",
            object_id=item.pk,
            details={"target": target, "status": status, "envelope_id": envelope_id},
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
            row.status, row.note = "order_issued", inherited
            row.save(update_fields=["status", "note", "updated_at"])
            _report(item, row, "order_issued", inherited)


def status_received(*, origin: str, envelope_id: str, body: dict[str, Any]) -> TakedownStep | None:
    """A `takedown.status` from a destination of one of our requests."""
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
    step, _ = TakedownStep.objects.get_or_create(
        country=origin,
        envelope_id=envelope_id,
        defaults={
            "takedown": takedown,
            "target": body["target"],
            "status": body["status"],
            "at": dt.datetime.strptime(body["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC),
            "note": str(body.get("note", "")),
        },
    )
    record(
        action="takedown.status.received",
        peer=origin,
        object_type="cases.takedown",
        object_id=takedown.pk,
        details={"target": step.target, "status": step.status},
    )
    return step


def board(takedown: Takedown) -> list[dict[str, Any]]:
    """Per target x country: current status and each step with the time it took."""
    steps: dict[tuple[str, str], list[TakedownStep]] = {}
    # `at` has whole seconds and messages may arrive out of order: within one second the
    # lifecycle order decides (received before under_review before a decision).
    ordered = sorted(takedown.steps.all(), key=lambda s: (s.at, RANK.get(s.status, 9), s.pk))
    for step in ordered:
        steps.setdefault((step.target, step.country), []).append(step)
    rows = []
    for target in takedown.target_names:
        for country in takedown.destinations:
            previous = takedown.created_at
            shown = []
            for step in steps.get((target, country), []):
                shown.append(
                    {
                        "status": step.status,
                        "at": step.at,
                        "took_seconds": max(0, int((step.at - previous).total_seconds())),
                        "note": step.note,
                    }
                )
                previous = step.at
            rows.append(
                {
                    "target": target,
                    "country": country,
                    "status": shown[-1]["status"] if shown else "sent",
                    "steps": shown,
                    "elapsed_seconds": int((previous - takedown.created_at).total_seconds()),
                }
            )
    return rows


def statistics_figures(now: dt.datetime | None = None) -> dict[str, Any]:
    """Median seconds from request to blocked/removed per country; open requests by age."""
    now = now or timezone.now()
    first: dict[tuple[int, str, str], float] = {}
    for step in TakedownStep.objects.filter(status__in=DONE).select_related("takedown"):
        seconds = max(0.0, (step.at - step.takedown.created_at).total_seconds())
        done_key = (step.takedown_id, step.target, step.country)
        first[done_key] = min(seconds, first.get(done_key, seconds))  # blocked then removed
    done: dict[str, list[float]] = {}
    for (_, _, country), seconds in first.items():
        done.setdefault(country, []).append(seconds)
    medians = {c: statistics.median(v) for c, v in sorted(done.items())}
    buckets = {"<1d": 0, "1-3d": 0, "3-7d": 0, ">7d": 0}
    for t in Takedown.objects.filter(status=Takedown.Status.OPEN):
        age = (now - t.created_at).total_seconds() / 86400
        key = "<1d" if age < 1 else "1-3d" if age < 3 else "3-7d" if age < 7 else ">7d"
        buckets[key] += 1
    return {"median_seconds": medians, "open_by_age": buckets}
