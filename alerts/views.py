"""Duty desk, rota and policy pages: thin, through selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from alerts import selectors, services
from alerts.models import EscalationPolicy, EventCursor, Schedule


def _desk_user(request: HttpRequest) -> None:
    if getattr(request.user, "role", "") == Role.AUDITOR:
        raise PermissionDenied


def _coordinator(request: HttpRequest) -> None:
    if getattr(request.user, "role", "") not in (Role.COORDINATOR, Role.ADMIN):
        raise PermissionDenied


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """Live alerts (WebSocket), who is on call now and the next hand-off."""
    _desk_user(request)
    cursor = EventCursor.objects.filter(user_id=int(request.user.pk or 0)).first()
    return render(
        request,
        "alerts/desk.html",
        {
            "alerts": selectors.open_alerts_for(request.user).select_related("acknowledged_by")[
                :100
            ],
            "on_call": selectors.on_call_view(),
            "last_seq": cursor.last_seq if cursor else 0,
        },
    )


@login_required
def rota_page(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    schedules = []
    for schedule in Schedule.objects.prefetch_related("layers", "overrides__user"):
        schedules.append(
            {
                "schedule": schedule,
                "problems": services.publish_problems(schedule),
            }
        )
    return render(
        request,
        "alerts/rota.html",
        {"schedules": schedules, "on_call": selectors.on_call_view()},
    )


@login_required
@require_POST
def rota_publish(request: HttpRequest, name: str) -> HttpResponse:
    _coordinator(request)
    schedule = get_object_or_404(Schedule, name=name)
    try:
        services.schedule_publish(schedule=schedule, actor=request.user)
    except services.AlertsError as exc:
        messages.error(request, str(exc))
    return redirect("alerts:rota")


@login_required
def policies_page(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    return render(request, "alerts/policies.html", {"policies": EscalationPolicy.objects.all()})
