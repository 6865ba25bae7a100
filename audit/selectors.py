"""Reads of the audit log, for auditors and admins only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from audit.models import AuditEntry, AuditHead

READER_ROLES = frozenset({"auditor", "admin"})


def may_read(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        getattr(user, "role", "") in READER_ROLES
    )


def entries() -> QuerySet[AuditEntry]:
    """The whole log, newest first (`seq` is unique: the order is stable across pages);
    `audit.filters.AuditFilter` narrows it."""
    return AuditEntry.objects.order_by("-seq")


def entries_total() -> int:
    """How many entries the log holds, without counting them: sequence numbers run from 1
    without gaps (the chain's head is locked by every append, nothing is ever deleted)."""
    head = AuditHead.objects.filter(pk=1).values_list("last_seq", flat=True).first()
    return int(head or 0)


def as_details(filters: Mapping[str, Any]) -> dict[str, str]:
    """The filters as they go into the audit entry of the read (JSON, no empties)."""
    return {
        k: (v.isoformat() if isinstance(v, datetime) else str(v))
        for k, v in filters.items()
        if v not in (None, "")
    }


def refused_checkpoints(limit: int = 5) -> list[AuditEntry]:
    """The latest checkpoints of other countries this node refused to witness (their log
    did not extend the head co-signed here): the audit entries `exchange.refused`."""
    return list(
        AuditEntry.objects.filter(
            action="exchange.refused", details__type="audit.checkpoint"
        ).order_by("-seq")[:limit]
    )
