"""Reads, already scoped to what the user may see; every read of content is audited.

A prosecutor sees cases and received items granted to them or their unit (guardian
object permissions); coordinators and admins see all of their node's; auditors see no
content (only the metadata list). An object outside the scope answers 404, never 403,
so its existence is not disclosed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from alerts import selectors as alert_selectors
from audit.services import record
from cases import access, ports
from cases.models import (
    Case,
    InboundItem,
    MirrorProposal,
    OutboundRequest,
    Takedown,
)


def _audit_read(
    actor: Any,
    what: str,
    object_type: str,
    object_id: Any = "",
    outcome: str = "success",
    **details: Any,
) -> None:
    # No transaction of its own: record() appends in the caller's transaction, or alone
    # in one statement (PostgreSQL's audit_append) or its own transaction (elsewhere);
    # BEGIN and COMMIT around it were two more round trips on every read.
    record(
        action=what,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        details=details,
    )


def cases_for(user: Any) -> QuerySet[Case]:
    qs = Case.objects.all()
    if access.sees_everything(user):
        return qs
    if access.is_auditor(user) or not getattr(user, "is_authenticated", False):
        return qs.none()
    return get_objects_for_user(user, "cases.view_case", klass=qs, accept_global_perms=False)


def inbound_for(user: Any) -> QuerySet[InboundItem]:
    qs = InboundItem.objects.select_related("assigned_to")
    if access.sees_everything(user):
        return qs
    if access.is_auditor(user) or not getattr(user, "is_authenticated", False):
        return qs.none()
    granted = get_objects_for_user(
        user, "cases.view_inbounditem", klass=InboundItem, accept_global_perms=False
    )
    # The prosecutor paged for an item may read it (and only it): the 3 a.m. page must
    # open what it is about before anyone has assigned it.
    # Once assigned, access follows the assignment: a page no longer opens it.
    paged = alert_selectors.paged_object_ids(user, "cases.inbounditem")
    return qs.filter(Q(pk__in=granted.values("pk")) | Q(pk__in=paged, assigned_to__isnull=True))


def case_list(user: Any, **filters: Any) -> QuerySet[Case]:
    qs = cases_for(user)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("urgency"):
        qs = qs.filter(urgency=filters["urgency"])
    if filters.get("q"):
        qs = qs.filter(title__icontains=filters["q"])
    _audit_read(user, "case.list", "cases.case", filters={k: v for k, v in filters.items() if v})
    return qs


def case_get(user: Any, pk: Any) -> Case:
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        _audit_read(user, "case.read", "cases.case", pk, outcome="denied")
        raise Http404
    _audit_read(user, "case.read", "cases.case", case.pk)
    return case


def case_export(user: Any, pk: Any) -> Case:
    """Like case_get, recorded as an export (the whole case leaves the screen)."""
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        _audit_read(user, "case.export", "cases.case", pk, outcome="denied")
        raise Http404
    _audit_read(user, "case.export", "cases.case", case.pk)
    return case


def inbound_list(user: Any, **filters: Any) -> QuerySet[InboundItem]:
    """Content list for prosecutors and coordinators; auditors get metadata (see views)."""
    qs = InboundItem.objects.all() if access.is_auditor(user) else inbound_for(user)
    for key in ("kind", "status", "origin", "urgency"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    _audit_read(
        user, "inbound.list", "cases.inbounditem", filters={k: v for k, v in filters.items() if v}
    )
    return qs


def inbound_get(user: Any, pk: Any) -> InboundItem:
    item = inbound_for(user).filter(pk=pk).first()
    if item is None:
        _audit_read(user, "inbound.read", "cases.inbounditem", pk, outcome="denied")
        raise Http404
    _audit_read(user, "inbound.read", "cases.inbounditem", item.pk)
    return item


def requests_for(user: Any) -> QuerySet[OutboundRequest]:
    qs = OutboundRequest.objects.all()
    if access.sees_everything(user):
        return qs
    if access.is_auditor(user):
        return qs.none()
    return (
        qs.filter(sent_by=user)
        | qs.filter(case__in=cases_for(user))
        | qs.filter(inbound__in=inbound_for(user))
    ).distinct()


def takedowns_for(user: Any) -> QuerySet[Takedown]:
    """Takedowns are a coordinators' tool; a prosecutor sees those of their cases."""
    qs = Takedown.objects.all()
    if access.sees_everything(user):
        return qs
    if access.is_auditor(user):
        return qs.none()
    return (qs.filter(case__in=cases_for(user)) | qs.filter(created_by=user)).distinct()


def takedown_get(user: Any, pk: Any) -> Takedown:
    takedown = takedowns_for(user).filter(pk=pk).first()
    if takedown is None:
        raise Http404
    _audit_read(user, "takedown.read", "cases.takedown", takedown.pk)
    return takedown


def proposals_for(user: Any) -> QuerySet[MirrorProposal]:
    return MirrorProposal.objects.filter(takedown__in=takedowns_for(user)).select_related(
        "takedown"
    )


def thread_view(user: Any, thread: str) -> dict[str, Any]:
    """The conversation of a thread, both directions, receipts and acks.

    Thread ids are chosen by whoever starts a thread, so a peer can reuse another's: a
    conversation is (thread, the peers it is with). A user sees the messages with the
    peers whose item on this thread they may see, or with every country our own root
    message on it went to, when that root is theirs to see."""
    peers = set(inbound_for(user).filter(thread=thread).values_list("origin", flat=True))
    ours = (
        cases_for(user).filter(notifications__envelope_id=thread).exists()
        or takedowns_for(user).filter(envelope_id=thread).exists()
        or requests_for(user).filter(envelope_id=thread).exists()
    )
    if not peers and not ours:
        raise Http404
    messages = ports.thread_messages(thread)
    if ours:
        for m in messages:
            if m["direction"] == "out" and str(m["envelope_id"]) == thread:
                peers |= {d["destination"] for d in m.get("deliveries", [])}
    if not access.sees_everything(user):
        messages = [m for m in messages if _with(m, peers)]
    ids = [str(_field(m, "envelope_id")) for m in messages]
    acks = ports.acks_for(ids)
    _audit_read(user, "thread.read", "exchange.thread", thread)
    return {"thread": thread, "messages": messages, "acks": acks}


def _with(message: dict[str, Any], peers: set[str]) -> bool:
    """Is the message one between us and one of `peers`?"""
    if message["direction"] == "in":
        return message.get("origin") in peers
    return any(d["destination"] in peers for d in message.get("deliveries", []))


def _field(message: Any, name: str) -> Any:
    return message[name] if isinstance(message, dict) else getattr(message, name, "")


def inbound_unassigned(user: Any) -> QuerySet[InboundItem]:
    """Received items the user may see that nobody has assigned (or taken) yet."""
    return inbound_for(user).filter(status=InboundItem.Status.NEW)


# A received takedown target's statuses before the decision (cases.takedowns.STATUSES).
UNDECIDED = ("received", "under_review")


def takedown_requests_undecided(user: Any) -> QuerySet[InboundItem]:
    """Received takedown requests with a target not yet decided (received or under review)."""
    return (
        inbound_for(user)
        .filter(kind=InboundItem.Kind.TAKEDOWN, targets__status__in=UNDECIDED)
        .distinct()
    )
