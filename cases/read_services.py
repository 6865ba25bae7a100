"""Reads that leave an audit entry: what a person opened, listed, exported or printed.

Why not in selectors: a selector only reads (scoped to what the user may see), so it can
be called anywhere, any number of times, without writing. Opening content is an action
worth recording; the views call these services for it, and each records one entry (a
read outside the user's scope: `outcome="denied"`, then 404).

No transaction of their own: `audit.services.record` appends in the caller's
transaction, or alone in one statement (PostgreSQL's audit_append) or its own transaction
(elsewhere); BEGIN and COMMIT around it were two more round trips on every read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404

from audit.models import AuditEntry
from audit.services import record
from cases import selectors
from cases.models import Case, InboundItem, MirrorProposal, OutboundRequest, Takedown

T = TypeVar("T", bound=Model)


def _record_read(
    actor: Any,
    what: str,
    object_type: str,
    object_id: Any = "",
    outcome: str = "success",
    **details: Any,
) -> None:
    record(
        action=what,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        details=details,
    )


def case_list_read(*, actor: Any, filters: Mapping[str, str] | None = None) -> QuerySet[Case]:
    """The actor's cases for a list (`selectors.case_list`), recorded with the filters
    asked for."""
    qs = selectors.case_list(actor)
    _record_read(actor, "case.list", "cases.case", filters=dict(filters or {}))
    return qs


def _read_one(actor: Any, what: str, object_type: str, pk: Any, get: Callable[[], T]) -> T:
    """`get()` the object in the actor's scope and record the read; a refusal (Http404)
    is recorded as denied before the 404 goes on."""
    try:
        found = get()
    except Http404:
        _record_read(actor, what, object_type, pk, outcome="denied")
        raise
    _record_read(actor, what, object_type, found.pk)
    return found


def _case(actor: Any, pk: Any, what: str) -> Case:
    return _read_one(actor, what, "cases.case", pk, lambda: selectors.case_get(actor, pk))


def case_read(*, actor: Any, pk: Any) -> Case:
    return _case(actor, pk, "case.read")


def case_export(*, actor: Any, pk: Any) -> Case:
    """Like case_read, recorded as an export (the whole case leaves the screen)."""
    return _case(actor, pk, "case.export")


def case_print(*, actor: Any, pk: Any) -> tuple[Case, AuditEntry]:
    """Like case_read, recorded as `case.print`; the entry is returned so that its sequence
    number (the audit reference) can be printed on every page of the case file."""
    try:
        case = selectors.case_get(actor, pk)
    except Http404:
        _record_read(actor, "case.print", "cases.case", pk, outcome="denied")
        raise
    with transaction.atomic():
        entry = record(
            action="case.print", actor=actor, object_type="cases.case", object_id=case.pk
        )
    return case, entry


def inbound_list_read(
    *, actor: Any, filters: Mapping[str, str] | None = None
) -> QuerySet[InboundItem]:
    """Received items for a list (`selectors.inbound_list`), recorded with the filters."""
    qs = selectors.inbound_list(actor)
    _record_read(actor, "inbound.list", "cases.inbounditem", filters=dict(filters or {}))
    return qs


def inbound_read(*, actor: Any, pk: Any) -> InboundItem:
    return _read_one(
        actor, "inbound.read", "cases.inbounditem", pk, lambda: selectors.inbound_get(actor, pk)
    )


def request_list_read(
    *, actor: Any, filters: Mapping[str, str] | None = None
) -> QuerySet[OutboundRequest]:
    """Our requests for a list (`selectors.requests_for`), recorded with the filters."""
    qs = selectors.requests_for(actor)
    _record_read(actor, "request.list", "cases.outboundrequest", filters=dict(filters or {}))
    return qs


def request_read(*, actor: Any, pk: Any) -> OutboundRequest:
    req = selectors.requests_for(actor).filter(pk=pk).first()
    if req is None:
        _record_read(actor, "request.read", "cases.outboundrequest", pk, outcome="denied")
        raise Http404
    _record_read(actor, "request.read", "cases.outboundrequest", req.pk)
    return req


def takedown_list_read(
    *, actor: Any, filters: Mapping[str, str] | None = None
) -> QuerySet[Takedown]:
    """Our takedown requests for the board or the API list, recorded with the filters."""
    qs = selectors.takedowns_for(actor)
    _record_read(actor, "takedown.list", "cases.takedown", filters=dict(filters or {}))
    return qs


def takedown_read(*, actor: Any, pk: Any) -> Takedown:
    return _read_one(
        actor, "takedown.read", "cases.takedown", pk, lambda: selectors.takedown_get(actor, pk)
    )


def proposal_list_read(
    *, actor: Any, filters: Mapping[str, str] | None = None
) -> QuerySet[MirrorProposal]:
    """Mirror proposals for a list (`selectors.proposals_for`), recorded with the filters."""
    qs = selectors.proposals_for(actor)
    _record_read(actor, "proposal.list", "cases.mirrorproposal", filters=dict(filters or {}))
    return qs


def thread_read(*, actor: Any, thread: str) -> dict[str, Any]:
    """The conversation of a thread (`selectors.thread_view`), recorded once read."""
    view = selectors.thread_view(actor, thread)
    _record_read(actor, "thread.read", "exchange.thread", thread)
    return view
