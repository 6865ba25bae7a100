"""Reads of the audit log, for auditors and admins only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from django.db.models import QuerySet

from audit.models import AuditEntry

READER_ROLES = frozenset({"auditor", "admin"})


class Filters(TypedDict, total=False):
    since: datetime | None
    until: datetime | None
    actor: str
    action: str
    object_type: str
    object_id: str


def may_read(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        getattr(user, "role", "") in READER_ROLES
    )


def entries(filters: Filters) -> QuerySet[AuditEntry]:
    """Newest first. `action` matches a dotted prefix too: "auth" finds auth.login."""
    qs = AuditEntry.objects.order_by("-seq")
    if since := filters.get("since"):
        qs = qs.filter(at__gte=since)
    if until := filters.get("until"):
        qs = qs.filter(at__lt=until)
    if actor := filters.get("actor"):
        qs = qs.filter(actor=actor)
    if action := filters.get("action"):
        qs = qs.filter(action=action) | qs.filter(action__startswith=action.rstrip(".") + ".")
    if object_type := filters.get("object_type"):
        qs = qs.filter(object_type=object_type)
    if object_id := filters.get("object_id"):
        qs = qs.filter(object_id=object_id)
    return qs


def as_details(filters: Filters) -> dict[str, str]:
    """The filters as they go into the audit entry of the read (JSON, no empties)."""
    return {
        k: (v.isoformat() if isinstance(v, datetime) else str(v))
        for k, v in filters.items()
        if v not in (None, "")
    }
