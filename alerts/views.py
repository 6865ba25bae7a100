"""Duty desk, alert and history pages: thin, through selectors and services (rota and
policies: rota_views)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from alerts import desk_text, read_services, selectors, services, subjects
from alerts.filters import AlertFilter
from alerts.models import Alert, EventCursor
from net247 import lists


def _desk_user(request: HttpRequest) -> None:
    if getattr(request.user, "role", "") == Role.AUDITOR:
        raise PermissionDenied


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """Live alerts (WebSocket), who is on call now and the next hand-off."""
    _desk_user(request)
    cursor = EventCursor.objects.filter(user_id=int(request.user.pk or 0)).first()
    desk = read_services.desk_read(actor=request.user)
    return render(
        request,
        "alerts/desk.html",
        {
            "alerts": [_row(alert) for alert in desk.rows],
            "unacked": desk.unacked_total,
            "open_total": desk.open_total,
            "hidden": desk.hidden,
            "hidden_unacked": desk.hidden_unacked,
            "hidden_acked": desk.hidden_acked,
            "on_call": selectors.on_call_view(),
            "last_seq": cursor.last_seq if cursor else 0,
            "labels": desk_text.desk_labels(),
            "TIME_ZONE": settings.TIME_ZONE,
        },
    )


def _row(alert: Alert) -> dict[str, Any]:
    return {
        "alert": alert,
        "url": subjects.url_of(alert),
        "next": selectors.next_step_of(alert),
    }


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The incident page: what it is about, who was paged, acknowledgement, resolution."""
    _desk_user(request)
    alert = read_services.alert_read(actor=request.user, pk=pk)
    subject = subjects.get(alert.object_type)
    subject_context = None
    if subject is not None and subject.context is not None:
        subject_context = subject.context(request.user, alert)
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "url": subjects.url_of(alert),
            "subject_template": subject.template if subject is not None else "",
            "subject": subject_context,
            "members": selectors.group_members(alert) if alert.group_size > 1 else [],
            "timeline": selectors.escalation_timeline(alert),
            "next": selectors.next_step_of(alert),
            "ack_receipt": selectors.ack_receipt(alert),
        },
    )


@login_required
@require_POST
def alert_ack(request: HttpRequest, pk: int) -> HttpResponse:
    _desk_user(request)
    alert = selectors.alert_get(request.user, pk)
    try:
        services.alert_acknowledge(alert=alert, actor=request.user)
    except services.AlertsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Acknowledged. The sender is told who took it."))
    return redirect("alerts:detail", pk=pk)


@login_required
@require_POST
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _desk_user(request)
    alert = selectors.alert_get(request.user, pk)
    note = request.POST.get("note", "")
    if not note.strip():
        messages.error(request, _("Say how the alert was handled before closing it."))
        return redirect("alerts:detail", pk=pk)
    try:
        services.alert_resolve(alert=alert, actor=request.user, note=note)
    except services.AlertsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Closed."))
    return redirect("alerts:detail", pk=pk)


@login_required
def history(request: HttpRequest) -> HttpResponse:
    """Every alert the user may see, resolved ones included, filtered and paged."""
    _desk_user(request)
    params = lists.filter_params(request.GET, AlertFilter)
    alerts = read_services.alert_list_read(actor=request.user, filters=params)
    listing = lists.page_of(request, AlertFilter(request.GET, queryset=alerts, request=request))
    return lists.render_list(
        request, "alerts/history.html", "alerts/_history_listing.html", {"list": listing}
    )
