"""The blocking feed: what this node's coordinators accepted for blocking, for registries.

A received takedown target is *in the feed's set* while its status is `order_issued` or
`blocked` (`ACTIVE`). Every decision that moves a target into the set appends an `add`
entry; every one that moves it out (a correction back, `refused`, `removed` at its source)
appends a `remove` entry. Both are written by `entry_for_decision` inside the decision's
own transaction, beside its audit entry and its outbox message, so a decision is in the
feed exactly when it is committed.

Entries are never updated or deleted. The cursor comes from the `Counter` row
`blocking-feed`, locked until commit: cursors are visible in increasing order, so
`after=<cursor>` is a complete incremental read.

The current set (for the RPZ, which has no removals) is the targets whose last entry is
an `add`, reduced to their DNS names; a name stays while any of its targets is active.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from audit.services import record
from cases.blocking import formats
from cases.blocking.models import FeedEntry, Registry
from cases.indicators import IndicatorError, normalise_domain
from cases.models import Counter, InboundItem, InboundTakedownTarget

ACTIVE = ("order_issued", "blocked")
COUNTER = "blocking-feed"
MAX_LIMIT = 100_000


def domain_of(target: str) -> str:
    """The DNS name a target is blocked under: a domain as normalised locally, a URL's
    host; "" when neither (then the entry is in JSON and CSV but not in the RPZ)."""
    text = target.strip()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    try:
        return normalise_domain(text)
    except IndicatorError:
        return ""


def _next_cursor() -> int:
    counter, _ = Counter.objects.select_for_update(no_key=True).get_or_create(name=COUNTER)
    counter.value += 1
    counter.save(update_fields=["value"])
    return int(counter.value)


def entry_for_decision(
    *,
    item: InboundItem,
    row: InboundTakedownTarget,
    previous: str,
    status: str,
    decided_by: str,
    at: dt.datetime,
    note: str = "",
) -> FeedEntry | None:
    """Append the entry a status change makes, if it moves the target in or out of the
    set; call inside the decision's transaction (the caller audits the decision and
    names the returned cursor in that entry)."""
    was, now = previous in ACTIVE, status in ACTIVE
    if was == now:
        return None
    legal = item.body.get("legal_basis", {})
    entry = FeedEntry(
        cursor=_next_cursor(),
        action=FeedEntry.Action.ADD if now else FeedEntry.Action.REMOVE,
        target=row.target,
        domain=domain_of(row.target),
        request_ref=item.ref,
        origin=item.origin,
        legal_basis=dict(legal) if isinstance(legal, dict) else {},
        decided_at=at.replace(microsecond=0),
        decided_by=decided_by,
        status=status,
        note=note,
        inbound_target=row,
    )
    entry.json_line, entry.csv_line = formats.entry_json(entry), formats.entry_csv(entry)
    entry.save()
    return entry


def lines_after(after: int, limit: int, fmt: str) -> list[tuple[int, str]]:
    """(cursor, rendered entry) after `after`, oldest first, at most `limit`."""
    column = "csv_line" if fmt == "csv" else "json_line"
    rows = FeedEntry.objects.filter(cursor__gt=after).order_by("cursor")
    return list(rows.values_list("cursor", column)[:limit])


def current_domains() -> tuple[list[str], int]:
    """The DNS names to block now, sorted, and the last cursor they reflect."""
    last: dict[int, tuple[str, str]] = {}
    top = 0
    rows: Iterator[tuple[int, int, str, str]] = (
        FeedEntry.objects.order_by("cursor")
        .values_list("cursor", "inbound_target_id", "action", "domain")
        .iterator(chunk_size=10_000)
    )
    for cursor, target_id, action, domain in rows:
        last[target_id] = (action, domain)
        top = cursor
    names = {d for action, d in last.values() if action == FeedEntry.Action.ADD and d}
    return sorted(names), top


def pull_recorded(*, registry: Registry, fmt: str, after: int, cursor: int, count: int) -> None:
    """Audit one pull (which registry, from which cursor, how many entries) and keep the
    registry's last pull for its page."""
    with transaction.atomic():
        Registry.objects.filter(pk=registry.pk).update(
            last_pull_at=timezone.now(), last_cursor=cursor
        )
        record(
            action="blocking.feed.pull",
            actor=registry,
            object_type="cases.registry",
            object_id=registry.pk,
            details={
                "registry": registry.name,
                "format": fmt,
                "after": after,
                "cursor": cursor,
                "count": count,
            },
        )
