"""The auditor's page: thin; reads through selectors, its own audit entries through services."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit import checkpoint_status, selectors, services, status
from audit.filters import AuditFilter
from net247 import lists

CSV_COLUMNS = [
    "seq",
    "at",
    "actor",
    "actor_kind",
    "role",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "client_ip",
    "request_id",
    "details",
    "prev_hash",
    "entry_hash",
]


def _filtered(request: HttpRequest) -> tuple[AuditFilter, dict[str, Any]]:
    """The log through the filters asked for, and those filters as the audit entry of the
    read records them (nothing when they are invalid: nothing is listed then)."""
    filterset = AuditFilter(request.GET, queryset=selectors.entries())
    asked = filterset.form.cleaned_data if filterset.is_valid() else {}
    return filterset, asked


@login_required
def log(request: HttpRequest) -> HttpResponse:
    filterset, asked = _filtered(request)
    if not selectors.may_read(request.user):
        services.log_viewed(
            actor=request.user,
            filters=selectors.as_details(asked),
            page=_page_number(request),
            outcome="denied",
        )
        raise PermissionDenied
    listing = lists.page_of(request, filterset, total=selectors.entries_total)
    services.log_viewed(
        actor=request.user, filters=selectors.as_details(asked), page=listing.page.number
    )
    verification, full_at = status.current()
    return render(
        request,
        "audit/log.html",
        {
            "form": filterset.form,
            "page": listing.page,
            "query": listing.query,
            "valid": listing.valid,
            "verification": verification,
            "full_check_at": full_at,
            "witnessing": checkpoint_status.current(),
            "refused_here": selectors.refused_checkpoints(),
        },
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _safe(value: str) -> str:
    """Spreadsheets run cells that start like a formula; neutralise them (OWASP)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _rows(entries: Any) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for e in entries.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                e.seq,
                e.at.isoformat(),
                _safe(e.actor),
                e.actor_kind,
                e.role,
                _safe(e.action),
                _safe(e.object_type),
                _safe(e.object_id),
                e.outcome,
                _safe(e.client_ip),
                _safe(e.request_id),
                _safe(json.dumps(e.details, ensure_ascii=False, sort_keys=True)),
                e.prev_hash,
                e.entry_hash,
            ]
        )


@login_required
def export(request: HttpRequest) -> StreamingHttpResponse:
    filterset, asked = _filtered(request)
    details = selectors.as_details(asked)
    if not selectors.may_read(request.user):
        services.log_viewed(actor=request.user, filters=details, page=0, outcome="denied")
        raise PermissionDenied
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    # Bounded at the current end, so that the rows streamed are the rows counted.
    last = rows.values_list("seq", flat=True).first() or 0
    entries = rows.filter(seq__lte=last).order_by("seq")
    services.log_exported(actor=request.user, filters=details, rows=entries.count())
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(_rows(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
