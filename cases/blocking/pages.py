"""The coordinator's page of the blocking feed: its state, the registries that pull it
(last pull, cursor), adding one (its token shown once) and revoking one. Thin: the form
parses, `cases.blocking.services` writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import access
from cases.blocking import services
from cases.blocking.models import FeedEntry, Registry
from cases.services import ServiceError


class RegistryForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Registry name"),
        max_length=60,
        help_text=gettext_lazy("For example the national blocking system or a resolver operator."),
    )


def _coordinator(request: HttpRequest) -> None:
    if not access.sees_everything(request.user):
        raise PermissionDenied


def _feed_state() -> dict[str, Any]:
    figures = FeedEntry.objects.aggregate(
        last=Max("cursor"),
        added=Count("id", filter=Q(action=FeedEntry.Action.ADD)),
        removed=Count("id", filter=Q(action=FeedEntry.Action.REMOVE)),
        last_at=Max("decided_at"),
    )
    return {**figures, "last": figures["last"] or 0}


@login_required
def blocking(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    form = RegistryForm(request.POST if request.method == "POST" else None)
    new_token = new_name = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                registry, new_token = services.registry_add(
                    name=form.cleaned_data["name"], actor=request.user
                )
                new_name = registry.name
                form = RegistryForm()
                status = 201
            except ServiceError as exc:
                form.add_error("name", exc.message)
                status = 400
        else:
            status = 400
    base = request.build_absolute_uri(reverse("blocking-feed-json")).rsplit("/", 1)[0]
    context = {
        "form": form,
        "new_token": new_token,
        "new_name": new_name,
        "registries": Registry.objects.order_by("revoked_at", "name"),
        "feed": _feed_state(),
        "base": base,
    }
    response = render(request, "cases/blocking.html", context, status=status)
    if new_token is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def registry_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _coordinator(request)
    registry = get_object_or_404(Registry, pk=pk)
    services.registry_revoke(registry=registry, actor=request.user)
    messages.success(request, _("The registry's token is revoked."))
    return redirect("cases:blocking")
