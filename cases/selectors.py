"""Reads, already scoped to what the user may see; they never write (recording a read of
content is `cases.read_services`' job).

A prosecutor sees cases and received items granted to them or their unit (guardian
object permissions); coordinators and admins see all of their node's; auditors see no
content (only the metadata list). An object outside the scope answers 404, never 403,
so its existence is not disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Model, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission

from alerts import selectors as alert_selectors
from cases import access, legal
from cases.models import (
    Case,
    InboundItem,
    InboundTakedownTarget,
    MatchQuery,
    MirrorProposal,
    OutboundRequest,
    Takedown,
)
from exchange.selectors import thread_messages


def granted_ids(user: Any, model: type[Model], codename: str) -> QuerySet[Any]:
    """Ids of the `model` rows on which `user` holds the object permission `codename`,
    given to them or to one of their groups (global permissions do not count): what
    guardian's `get_objects_for_user(..., accept_global_perms=False)` selects. Written
    here because guardian matches `object_pk` (text) against every row's id cast to
    text, which PostgreSQL plans as a nested loop (seconds at 10,000 cases); this casts
    the few granted keys instead, so the scope is a hashed subquery."""
    ct = ContentType.objects.get_for_model(model)
    as_id = Cast("object_pk", BigIntegerField())
    direct = UserObjectPermission.objects.filter(
        user=user, content_type=ct, permission__content_type=ct, permission__codename=codename
    ).values(pk=as_id)
    via_groups = GroupObjectPermission.objects.filter(
        group__in=user.groups.values("pk"),
        content_type=ct,
        permission__content_type=ct,
        permission__codename=codename,
    ).values(pk=as_id)
    return direct.union(via_groups, all=True)  # IN needs no deduplication


def cases_for(user: Any) -> QuerySet[Case]:
    qs = Case.objects.all()
    if access.sees_everything(user):
        return qs
    if access.is_auditor(user) or not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(pk__in=granted_ids(user, Case, "view_case"))


def inbound_for(user: Any) -> QuerySet[InboundItem]:
    qs = InboundItem.objects.select_related("assigned_to")
    if access.sees_everything(user):
        return qs
    if access.is_auditor(user) or not getattr(user, "is_authenticated", False):
        return qs.none()
    granted = granted_ids(user, InboundItem, "view_inbounditem")
    # The prosecutor paged for an item may read it (and only it): the 3 a.m. page must
    # open what it is about before anyone has assigned it.
    # Once assigned, access follows the assignment: a page no longer opens it.
    paged = alert_selectors.paged_object_ids(user, "cases.inbounditem")
    unassigned = (
        InboundItem.objects.filter(pk__in=paged, assigned_to__isnull=True).order_by().values("pk")
    )
    # One set of ids, not an OR of two subqueries: an OR is a filter over every item.
    return qs.filter(pk__in=granted.union(unassigned, all=True))


def case_list(user: Any) -> QuerySet[Case]:
    """The user's cases for a list, newest first in a stable order (ties broken by id),
    narrowed afterwards by `cases.filters.CaseFilter`."""
    return cases_for(user).defer("summary", "facts").order_by("-created_at", "-id")


def case_get(user: Any, pk: Any) -> Case:
    """The case if the user may see it; 404 otherwise (its existence is not disclosed)."""
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def inbound_list(user: Any) -> QuerySet[InboundItem]:
    """Received items for a list, newest first in a stable order (ties broken by id),
    narrowed afterwards by `cases.filters.InboundFilter`. Prosecutors and coordinators get
    their scope; auditors every item, for its metadata only (the views show no content)."""
    # The scope stays a subquery, computed by the database for the count and again for the
    # page: reading a unit's thousands of ids into Python and sending them back as an IN
    # list cost several times more.
    qs = InboundItem.objects.all() if access.is_auditor(user) else inbound_for(user)
    qs = qs.defer("body", "text", "comparison", "receipt", "updates")
    return qs.order_by("-received_at", "-id")


def inbound_get(user: Any, pk: Any) -> InboundItem:
    """The received item if the user may see it; 404 otherwise."""
    item = inbound_for(user).filter(pk=pk).first()
    if item is None:
        raise Http404
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
    messages = thread_messages(thread)
    if ours:
        for m in messages:
            if m["direction"] == "out" and str(m["envelope_id"]) == thread:
                peers |= {d["destination"] for d in m.get("deliveries", [])}
    if not access.sees_everything(user):
        messages = [m for m in messages if _with(m, peers)]
    ids = [str(m["envelope_id"]) for m in messages]
    acks = alert_selectors.acks_for(ids)
    return {"thread": thread, "messages": messages, "acks": acks}


def _with(message: dict[str, Any], peers: set[str]) -> bool:
    """Is the message one between us and one of `peers`?"""
    if message["direction"] == "in":
        return message.get("origin") in peers
    return any(d["destination"] in peers for d in message.get("deliveries", []))


def inbound_unassigned(user: Any) -> QuerySet[InboundItem]:
    """Received items the user may see that nobody has assigned (or taken) yet."""
    return inbound_for(user).filter(status=InboundItem.Status.NEW)


# A received takedown target's statuses before the decision (cases.takedowns.STATUSES).
UNDECIDED = ("received", "under_review")


def takedown_requests_undecided(user: Any) -> QuerySet[InboundItem]:
    """Received takedown requests with a target not yet decided (received or under review)."""
    # A subquery, not a join with DISTINCT: counting distinct whole rows of every item
    # with an undecided target sorted all of them.
    undecided = InboundTakedownTarget.objects.filter(status__in=UNDECIDED).values("item_id")
    return inbound_for(user).filter(kind=InboundItem.Kind.TAKEDOWN, pk__in=undecided)


def assignable_people(user: Any) -> list[Any]:
    """Whom `user` may assign a received item to: the active prosecutors, for a
    coordinator or an admin; nobody for anyone else (they cannot assign)."""
    if not access.sees_everything(user):
        return []
    from accounts.selectors import users_by_role

    return list(users_by_role("prosecutor"))


def active_user(username: str) -> Any | None:
    """The active person of that username (None if there is none: the service refuses)."""
    from accounts.selectors import people

    return people().filter(username=username, is_active=True).first() if username else None


@dataclass(frozen=True)
class Destination:
    """What became of a case's notification in one country, for the case page and the
    printed case file: sent, delivered with a verified signed receipt, acknowledged by
    a person on duty there, and what that country has sent back about the case."""

    country: str
    handling: str
    envelope_id: str
    sent_at: Any
    sent_by: str
    delivery: str  # queued | delivered | failed (exchange.models.OutboxStatus)
    delivered_at: Any
    receipt_received_at: str
    receipt_key: str
    acks: list[dict[str, Any]] = field(default_factory=list)
    requests: list[InboundItem] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    comparison: dict[str, Any] = field(default_factory=dict)


def case_destinations(case: Case) -> list[Destination]:
    """Per destination of the case (the caller has read it through `case_get`)."""
    notes = list(case.notifications.select_related("sent_by"))
    threads = {n.envelope_id for n in notes}
    messages = {t: thread_messages(t) for t in threads}
    acks = alert_selectors.acks_for(sorted(threads))
    received = list(InboundItem.objects.filter(local_case=case).order_by("received_at", "id"))
    rows = []
    for n in notes:
        root = next(
            (m for m in messages[n.envelope_id]
             if m["direction"] == "out" and str(m["envelope_id"]) == n.envelope_id),
            None,
        )  # fmt: skip
        entry: dict[str, Any] = next(
            (d for d in (root or {}).get("deliveries", []) if d["destination"] == n.country), {}
        )
        receipt = entry.get("receipt") or {}
        rows.append(
            Destination(
                country=n.country,
                handling=n.handling,
                envelope_id=n.envelope_id,
                sent_at=n.sent_at,
                sent_by=n.sent_by.get_username(),
                delivery=str(entry.get("status", "queued")),
                delivered_at=entry.get("delivered_at"),
                receipt_received_at=str((receipt.get("body") or {}).get("received_at", "")),
                receipt_key=str((receipt.get("signature") or {}).get("key_id", "")),
                acks=[
                    {**a, "at": _parse_iso(a.get("at")), "role": role_label(a.get("role", ""))}
                    for a in acks.get(n.envelope_id, [])
                    if a.get("country") == n.country
                ],
                requests=[i for i in received if i.origin == n.country],
                messages=[m for m in messages[n.envelope_id] if _update_from(m, n.country)],
                comparison=n.comparison,
            )
        )
    return rows


def comparison_previews(case: Case, countries: list[str]) -> list[dict[str, Any]]:
    """What sending the case to each country would mean there, before it is sent: the
    legal map's comparison and its dual-criminality verdict (the case page's notify form
    and `GET /api/v1/cases/{id}/compare/` alike). `{country, verdict, comparison}`."""
    today = timezone.localdate()
    rows = []
    for country in countries:
        comparison = legal.compare(case.offence, country, case.facts, today)
        verdict = comparison.get("dual_criminality", {}).get("verdict", "uncertain")
        rows.append({"country": country, "verdict": verdict, "comparison": comparison})
    return rows


def notifiable_countries(case: Case) -> list[str]:
    """Countries the case may still be notified to: every member but this node and the
    countries already notified (notifying one twice is refused)."""
    notified = set(case.notifications.values_list("country", flat=True))
    return [
        c for c in sorted(settings.COUNTRY_TIME_ZONES)
        if c != settings.NODE_COUNTRY and c not in notified
    ]  # fmt: skip


def latest_matches(case: Case) -> list[MatchQuery]:
    """The newest private match of the case per country (what the case page shows)."""
    latest: dict[str, MatchQuery] = {}
    for query in case.match_queries.all():
        latest.setdefault(query.peer, query)
    return [latest[c] for c in sorted(latest)]


def role_label(role: str) -> str:
    """A peer's `by.role` in words when it is one of the federation's roles."""
    from accounts.models import Role

    return str(Role(role).label) if role in Role.values else str(role or "")


def _update_from(message: dict[str, Any], country: str) -> bool:
    return bool(
        message["direction"] == "in"
        and message.get("origin") == country
        and message["type"] == "case.update"
    )


def _parse_iso(value: Any) -> Any:
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value) if isinstance(value, str) else value
