"""Indicator storage, indicator hits and mirror proposals.

Hits: a received item whose normalised indicators equal those of a local case or of one
of our open takedowns. A hit is recorded on both sides and raises an alert for the local
owners; nothing is sent back on its own (the coordinator decides).

Mirrors: a domain (or URL host) that appears beside a phone, handle or image hash of an
open takedown of ours, and is not yet among its targets, is proposed as a mirror.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings

from alerts.services import alert_raise
from cases import handling, queries
from cases import indicators as norm
from cases.models import Case, InboundItem, Indicator, IndicatorHit, MirrorProposal, Takedown
from net247 import db

MIRROR_KINDS = ("phone", "telegram", "instagram", "vk", "image_sha256")


def store(
    items: Sequence[Mapping[str, object]], *, region: str = "", **owner: Any
) -> list[Indicator]:
    """Normalise and store; a value that does not normalise is kept as written (received
    data is never rejected for an odd indicator, local input is validated earlier)."""
    rows = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        kind, raw = str(item.get("kind", "")), str(item.get("value", ""))
        try:
            n = norm.normalise(kind, raw, region=region or settings.NODE_COUNTRY)
            value, registrable = n.value, n.registrable_domain
        except norm.IndicatorError:
            value, registrable = raw.strip().replace("\x00", "")[:500], ""
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        rows.append(
            Indicator(
                kind=kind,
                raw=raw.replace("\x00", "")[:500],
                value=value,
                registrable_domain=registrable,
                **owner,
            )
        )
    # One cached statement (bulk_create builds its query on every call): the inbox's
    # request stores a received item's indicators here.
    return db.insert_all(rows)


def _hosts(rows: list[Indicator]) -> set[str]:
    hosts = set()
    for row in rows:
        if row.kind == "domain":
            hosts.add(row.value)
        elif row.kind == "url":
            hosts.add(row.value.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0])
    return hosts


def local_matches(rows: list[Indicator]) -> list[Indicator]:
    """Indicators of our open cases and open takedowns equal to any of `rows`.

    On the partial index of local indicators: received items' indicators, which pile up
    for a popular value, are never scanned. Nearly every notification matches nothing,
    so the first query asks for ids only; the rows with their case or takedown are
    loaded when there is a match (building the joined select cost more than running it).
    """
    pairs = sorted({(row.kind, row.value) for row in rows})
    if not pairs:
        return []
    vendor = db.vendor()
    found = db.fetch(
        queries.local_matches(vendor),
        [*db.pairs_params(pairs, vendor), Case.Status.OPEN, Takedown.Status.OPEN],
    )
    matched = [row["id"] for row in found]
    if not matched:
        return []
    return list(Indicator.objects.filter(pk__in=matched).select_related("case", "takedown"))


def find_hits(item: InboundItem, rows: list[Indicator]) -> list[IndicatorHit]:
    """Record and alert the hits of a received item (its indicators are `rows`) against
    local cases and takedowns."""
    hits = [
        IndicatorHit.objects.create(
            inbound=item,
            case=match.case,
            takedown=match.takedown,
            kind=match.kind,
            value=match.value,
        )
        for match in local_matches(rows)
    ]
    for hit in hits:
        owners: list[Any] = []
        if hit.case is not None:
            owners = [*hit.case.assigned.all(), hit.case.created_by]
            label = hit.case.reference
        elif hit.takedown is not None:
            owners = [hit.takedown.created_by]
            label = hit.takedown.request_ref
        alert_raise(
            kind="indicator_hit",
            title=f"{hit.kind} {hit.value}: {label} ~ {item.origin} {item.ref}",
            # Worded in the reader's language from these (alerts.labels).
            params={
                "indicator": hit.kind,
                "value": hit.value,
                "ref": label,
                "their_ref": item.ref,
                "country": item.origin,
            },
            urgency=item.urgency,
            summary=item.title,
            object_type="cases.inbounditem",
            object_id=str(item.pk),
            users=list({u.pk: u for u in owners}.values()),
            dedupe_key=f"hit:{item.pk}:{hit.kind}:{hit.value}:{label}",
        )
    return hits


def propose_mirrors(rows: list[Indicator], source: str) -> list[MirrorProposal]:
    """Domains among `rows` that share a phone/handle/image hash with an open takedown."""
    hosts = _hosts(rows)
    shared = [r for r in rows if r.kind in MIRROR_KINDS]
    if not hosts or not shared:
        return []
    proposals = []
    item = _received_source(rows)
    origin = handling.source_of(item) if item is not None else None
    for ind in shared:
        takedown_ids = Indicator.objects.filter(
            kind=ind.kind, value=ind.value, takedown__status=Takedown.Status.OPEN
        ).values_list("takedown_id", flat=True)
        for takedown in Takedown.objects.filter(pk__in=set(takedown_ids)):
            covered = _covered_hosts(takedown)
            for host in sorted(hosts - covered):
                proposal, created = MirrorProposal.objects.get_or_create(
                    takedown=takedown,
                    domain=host,
                    defaults={
                        "shared_kind": ind.kind,
                        "shared_value": ind.value,
                        "source": source[:100],
                        "source_item": item,
                        "source_origin": origin.origin if origin else "",
                        "source_handling": origin.handling if origin else "",
                        "source_restrictions": origin.restrictions if origin else "",
                    },
                )
                if created:
                    proposals.append(proposal)
    return proposals


def _received_source(rows: list[Indicator]) -> InboundItem | None:
    """The received item behind `rows`: their own, or the one their case derives from."""
    for row in rows:
        if row.inbound_id is not None:
            return row.inbound
        case = row.case if row.case_id is not None else None
        if case is not None and case.derived_from_id is not None:
            return case.derived_from
    return None


def _covered_hosts(takedown: Takedown) -> set[str]:
    """Hosts already targeted by the takedown, its mirrors and the request it mirrors."""
    family = Takedown.objects.filter(pk=takedown.root_id) | Takedown.objects.filter(
        mirror_of_id=takedown.root_id
    )
    hosts: set[str] = set()
    for member in family:
        for target in member.targets:
            if "domain" in target:
                hosts.add(target["domain"])
            else:
                hosts.add(target["url"].split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0])
    return hosts
