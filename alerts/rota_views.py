"""Rota and escalation policy pages for coordinators: thin, through the rota selectors
and the same services as the `oncall` CLI (every change audited there)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from alerts import labels, rota_selectors, rota_services, selectors, services
from alerts.errors import AlertsError
from alerts.models import Layer, NotificationChannel, Override, Schedule, Urgency
from alerts.rota_forms import (
    ChannelForm,
    LayerForm,
    OverrideForm,
    PolicyForm,
    ScheduleForm,
    StepFormSet,
    step_initial,
    zone_hint,
)


def _coordinator(request: HttpRequest) -> None:
    if getattr(request.user, "role", "") not in (Role.COORDINATOR, Role.ADMIN):
        raise PermissionDenied


def _rota_url(schedule: Schedule, **query: str) -> str:
    url = reverse("alerts:rota") + f"?rota={schedule.name}"
    return url + "".join(f"&{k}={v}" for k, v in query.items())


def _first_day(request: HttpRequest, month: bool) -> date:
    today = timezone.localdate()
    try:
        chosen = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        chosen = today
    if month:
        return chosen.replace(day=1)
    return chosen - timedelta(days=chosen.weekday())


@login_required
def rota_page(request: HttpRequest) -> HttpResponse:
    """One rota: a week (or month) calendar with names, its rotations and overrides, what
    stops it being published, and the forms' entry points."""
    _coordinator(request)
    all_schedules = list(rota_selectors.schedules())
    chosen = request.GET.get("rota", "")
    schedule = next((s for s in all_schedules if s.name == chosen), None) or (
        all_schedules[0] if all_schedules else None
    )
    month = request.GET.get("view") == "month"
    first = _first_day(request, month)
    context: dict[str, Any] = {
        "schedules": all_schedules,
        "schedule": schedule,
        "month": month,
        "new_form": ScheduleForm(),
        "zone": zone_hint(),
    }
    if schedule is not None:
        if month:
            following = (first + timedelta(days=32)).replace(day=1)
            days = (following - first).days
            previous = (first - timedelta(days=1)).replace(day=1)
        else:
            days, following, previous = 7, first + timedelta(days=7), first - timedelta(days=7)
        context.update(
            first=first,
            last=first + timedelta(days=days - 1),
            days=rota_selectors.calendar(schedule, first, days, timezone.now()),
            lead=range(first.weekday() if month else 0),
            previous=previous.isoformat(),
            following=following.isoformat(),
            layers=[rota_selectors.layer_words(la) for la in schedule.layers.all()],
            overrides=[
                rota_selectors.override_words(o)
                for o in schedule.overrides.all()
                if o.end > timezone.now() - timedelta(days=7)
            ],
            problems=services.publish_problems(schedule),
        )
    return render(request, "alerts/rota.html", context)


@login_required
@require_POST
def rota_publish(request: HttpRequest, name: str) -> HttpResponse:
    _coordinator(request)
    schedule = get_object_or_404(Schedule, name=name)
    try:
        services.schedule_publish(schedule=schedule, actor=request.user)
    except AlertsError as exc:
        messages.error(request, _("Not published: %(why)s") % {"why": exc})
    else:
        messages.success(request, _("Published: the rota now decides who is paged."))
    return redirect(_rota_url(schedule))


@login_required
@require_POST
def schedule_new(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            schedule = rota_services.schedule_create(
                name=form.cleaned_data["name"], actor=request.user
            )
        except AlertsError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Rota created. Add a rotation, then publish it."))
            return redirect(_rota_url(schedule))
    all_schedules = list(rota_selectors.schedules())
    return render(
        request,
        "alerts/rota.html",
        {"schedules": all_schedules, "schedule": None, "new_form": form, "zone": zone_hint()},
        status=400,
    )  # fmt: skip


def _layer_initial(layer: Layer) -> dict[str, Any]:
    users = rota_selectors.layer_usernames(layer)
    initial: dict[str, Any] = {
        "rotation": layer.rotation,
        "handoff": layer.handoff,
        "start": layer.start,
        "window_start": layer.window_start,
        "window_end": layer.window_end,
        "order": layer.order,
    }
    initial.update({f"member_{n}": name for n, name in enumerate(users, start=1)})
    return initial


@login_required
def layer_edit(request: HttpRequest, name: str, pk: int | None = None) -> HttpResponse:
    """Add a rotation to a rota (pk None) or change one."""
    _coordinator(request)
    schedule = get_object_or_404(Schedule, name=name)
    layer = get_object_or_404(Layer, pk=pk, schedule=schedule) if pk is not None else None
    if request.method == "POST":
        form = LayerForm(request.POST)
        if form.is_valid():
            try:
                rota_services.layer_save(
                    schedule=schedule, data=form.to_input(), layer=layer, actor=request.user
                )
            except AlertsError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Rotation saved."))
                return redirect(_rota_url(schedule))
    elif layer is not None:
        initial = _layer_initial(layer)
        form = LayerForm(initial=initial, slots=len(layer.member_ids) + 2)
    else:
        form = LayerForm(initial={"rotation": "daily", "start": timezone.localdate(), "order": 0})
    return render(
        request,
        "alerts/rota_layer_form.html",
        {"form": form, "schedule": schedule, "layer": layer},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def layer_delete(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    _coordinator(request)
    layer = get_object_or_404(Layer, pk=pk, schedule__name=name)
    try:
        rota_services.layer_delete(layer=layer, actor=request.user)
    except AlertsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Rotation deleted."))
    return redirect(_rota_url(layer.schedule))


@login_required
def override_edit(request: HttpRequest, name: str, pk: int | None = None) -> HttpResponse:
    """Add an override (someone covers the rota for a while) or change one."""
    _coordinator(request)
    schedule = get_object_or_404(Schedule, name=name)
    override = (
        get_object_or_404(Override.objects.select_related("user"), pk=pk, schedule=schedule)
        if pk is not None
        else None
    )
    if request.method == "POST":
        form = OverrideForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rota_services.override_save(
                    schedule=schedule,
                    username=data["user"],
                    start=data["start"],
                    end=data["end"],
                    override=override,
                    actor=request.user,
                )
            except AlertsError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Override saved."))
                return redirect(_rota_url(schedule, **{"from": data["start"].date().isoformat()}))
    elif override is not None:
        zone = selectors.node_zone()
        form = OverrideForm(
            initial={
                "user": override.user.username,
                "start": override.start.astimezone(zone),
                "end": override.end.astimezone(zone),
            }
        )
    else:
        form = OverrideForm()
    return render(
        request,
        "alerts/rota_override_form.html",
        {"form": form, "schedule": schedule, "override": override},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def override_delete(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    _coordinator(request)
    override = get_object_or_404(
        Override.objects.select_related("user", "schedule"), pk=pk, schedule__name=name
    )
    try:
        rota_services.override_delete(override=override, actor=request.user)
    except AlertsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Override deleted."))
    return redirect(_rota_url(override.schedule))


@login_required
def policies_page(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    return render(
        request,
        "alerts/policies.html",
        {"policies": rota_selectors.policies(), "missing": rota_selectors.missing_policies()},
    )


@login_required
def policy_edit(request: HttpRequest, urgency: str) -> HttpResponse:
    """An urgency's steps, repeat and acknowledgement window, through `policy_set`."""
    _coordinator(request)
    if urgency not in Urgency.values:
        raise Http404
    policy = rota_selectors.policy(urgency)
    steps_error = ""
    if request.method == "POST":
        form = PolicyForm(request.POST)
        steps = StepFormSet(request.POST, prefix="steps")
        if form.is_valid() and steps.is_valid():
            chosen = [s for s in (f.to_step() for f in steps.forms) if s is not None]
            try:
                services.policy_set(
                    urgency=urgency,
                    steps=chosen,
                    repeat=form.cleaned_data["repeat"],
                    ack_window_minutes=form.cleaned_data["ack_window_minutes"],
                    actor=request.user,
                )
            except AlertsError as exc:
                if exc.field == "steps":
                    steps_error = str(exc)
                else:
                    form.add_service_error(exc)
            else:
                messages.success(request, _("Escalation policy saved."))
                return redirect("alerts:policies")
    else:
        raw = policy.steps if policy is not None and isinstance(policy.steps, list) else []
        form = PolicyForm(
            initial={
                "repeat": policy.repeat if policy else 0,
                "ack_window_minutes": policy.ack_window_minutes if policy else 15,
            }
        )
        steps = StepFormSet(initial=step_initial(raw), prefix="steps")
    failed = bool(form.errors or steps.total_error_count() or steps_error)
    return render(
        request,
        "alerts/policy_form.html",
        {
            "form": form,
            "steps": steps,
            "urgency": urgency,
            "urgency_label": labels.urgency_label(urgency),
            "steps_error": steps_error,
        },
        status=400 if failed else 200,
    )


@login_required
def reach_page(request: HttpRequest) -> HttpResponse:
    """How each person on a rota is woken, and a form to add a way (as `oncall channel`)."""
    _coordinator(request)
    form = ChannelForm(request.POST or None, initial={"user": request.GET.get("user", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = rota_selectors.rota_people().filter(username=data["user"]).first()
        if user is None:
            form.add_error("user", _("Choose the person."))
        else:
            try:
                services.channel_add(
                    user=user, kind=data["kind"], target=data["target"], actor=request.user
                )
            except AlertsError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Saved: %(name)s can be woken that way.")
                                 % {"name": rota_selectors.display_name(user)})  # fmt: skip
                return redirect("alerts:reach")
    return render(
        request,
        "alerts/rota_reach.html",
        {"form": form, "people": rota_selectors.people_reach()},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def channel_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop waking a person one way (refused if a published rota would need it)."""
    _coordinator(request)
    channel = get_object_or_404(NotificationChannel, pk=pk, active=True)
    name = rota_selectors.display_name(channel.user)
    try:
        rota_services.channel_remove(channel=channel, actor=request.user)
    except AlertsError as exc:
        messages.error(request, _("Not removed: %(why)s") % {"why": exc})
    else:
        messages.success(request, _("Removed: %(name)s is no longer woken that way.")
                         % {"name": name})  # fmt: skip
    return redirect("alerts:reach")
