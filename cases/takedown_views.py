"""Takedown pages: the board of our requests (a grid of target x country per request),
filing a request, chasing a country, joining a mirror, statistics. Thin: the form and
the FilterSet parse, selectors read, `cases.takedowns` writes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access, read_services, selectors, services, takedowns
from cases.models import MirrorProposal
from cases.takedown_forms import TakedownFilter, TakedownForm, offence_title
from net247 import lists
from node.places import country_name

PER_PAGE = 10
FORM_FIELDS = {"targets", "legal_basis", "requested_action", "urgency", "indicators", "to"}


def _worker(request: HttpRequest) -> None:
    if access.is_auditor(request.user):
        raise PermissionDenied


def _coordinator(request: HttpRequest) -> None:
    if not access.sees_everything(request.user):
        raise PermissionDenied


def _grid(takedown: Any) -> dict[str, Any]:
    """One request's board as rows = targets, columns = countries."""
    board = takedowns.board(takedown)
    cells = {(r["target"], r["country"]): r for r in board}
    return {
        "t": takedown,
        "countries": takedown.destinations,
        # Where the request stands, from its cells: the stored open/closed says nothing here.
        "awaited": sum(1 for r in board if r["pending"]),
        "cells_total": len(board),
        "rows": [
            {"target": name, "cells": [cells[(name, c)] for c in takedown.destinations]}
            for name in takedown.target_names
        ],
    }


@login_required
def takedown_list(request: HttpRequest) -> HttpResponse:
    _worker(request)
    params = lists.filter_params(request.GET, TakedownFilter)
    qs = read_services.takedown_list_read(actor=request.user, filters=params)
    qs = qs.select_related("mirror_of").prefetch_related("steps")
    filters = TakedownFilter(request.GET, queryset=qs.order_by("-created_at", "-id"))
    page = Paginator(filters.qs, PER_PAGE).get_page(request.GET.get("page"))
    proposals = selectors.proposals_for(request.user).filter(status=MirrorProposal.Status.PROPOSED)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/takedown_list.html",
        {
            "filter": filters,
            "page": page,
            "grids": [_grid(t) for t in page.object_list],
            "proposals": proposals,
            "query": query.urlencode(),
            "can_file": access.sees_everything(request.user),
        },
    )


@login_required
def takedown_create(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    form = TakedownForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            takedown = takedowns.takedown_create(
                actor=request.user,
                targets=data["targets"],
                legal_basis=form.legal_ref(),
                requested_action=data["requested_action"],
                urgency=data["urgency"],
                indicators=data["indicators"],
                to=data["to"],
                handling=data["handling"],
            )
        except services.ServiceError as exc:
            form.add_error(exc.field if exc.field in FORM_FIELDS else None, exc.message)
        except DjangoValidationError as exc:
            # The exchange refuses a destination that is not an enrolled peer.
            form.add_error("to", exc.messages)
        else:
            messages.success(
                request,
                _("Takedown request %(ref)s filed and queued for %(to)s.")
                % {"ref": takedown.request_ref, "to": ", ".join(takedown.destinations)},
            )
            return redirect("cases:takedown-detail", pk=takedown.pk)
    return render(request, "cases/takedown_form.html", {"form": form})


@login_required
def takedown_detail(request: HttpRequest, pk: int) -> HttpResponse:
    takedown = read_services.takedown_read(actor=request.user, pk=pk)
    return render(
        request,
        "cases/takedown_detail.html",
        {
            **_grid(takedown),
            "can_chase": access.sees_everything(request.user),
            "legal_title": offence_title(takedown.legal_basis),
        },
    )


@login_required
@require_POST
def takedown_chase(request: HttpRequest, pk: int) -> HttpResponse:
    _coordinator(request)
    takedown = read_services.takedown_read(actor=request.user, pk=pk)
    country = request.POST.get("country", "")[:2]
    try:
        takedowns.takedown_chase(actor=request.user, takedown=takedown, country=country)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    except DjangoValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Reminder sent to %(country)s for %(ref)s.")
            % {"country": country, "ref": takedown.request_ref},
        )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("cases:takedown-detail", pk=pk)


@login_required
@require_POST
def proposal_join(request: HttpRequest, pk: int) -> HttpResponse:
    _coordinator(request)
    proposal = get_object_or_404(selectors.proposals_for(request.user), pk=pk)
    try:
        mirror = takedowns.mirror_join(actor=request.user, proposal=proposal)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("cases:takedowns")
    except DjangoValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("cases:takedowns")
    messages.success(
        request,
        _("%(domain)s joined as mirror request %(ref)s of %(original)s.")
        % {
            "domain": proposal.domain,
            "ref": mirror.request_ref,
            "original": proposal.takedown.request_ref,
        },
    )
    return redirect("cases:takedown-detail", pk=mirror.pk)


def _chart_unit(series: dict[str, list[float | None]]) -> tuple[int, str]:
    """The chart's unit: seconds, minutes, hours or days, whichever keeps the figures
    readable (a block within seconds charted in minutes would read 0)."""
    top = max((v for values in series.values() for v in values if v is not None), default=0)
    if top < 2 * 60:
        return 1, _("Median, seconds")
    if top < 2 * 3600:
        return 60, _("Median, minutes")
    if top < 3 * 86400:
        return 3600, _("Median, hours")
    return 86400, _("Median, days")


@login_required
def takedown_statistics(request: HttpRequest) -> HttpResponse:
    _worker(request)
    figures = takedowns.statistics_figures()
    trend = figures["trend"]
    divisor, y_title = _chart_unit(trend["countries"])
    chart = {
        "labels": [w.isoformat() for w in trend["weeks"]],
        "datasets": [
            {
                "label": country_name(c),
                "data": [None if v is None else round(v / divisor, 1) for v in values],
            }
            for c, values in trend["countries"].items()
        ],
        "y_title": y_title,
        "x_title": _("Week of the request (from Monday)"),
    }
    return render(
        request,
        "cases/takedown_statistics.html",
        {
            "figures": figures,
            "chart": chart,
            "trend_rows": [
                {"week": w, "values": [trend["countries"][c][i] for c in trend["countries"]]}
                for i, w in enumerate(trend["weeks"])
                if any(trend["countries"][c][i] is not None for c in trend["countries"])
            ],
            "trend_countries": list(trend["countries"]),
            "age_rows": [
                (_("under a day"), figures["open_by_age"]["<1d"]),
                (_("1 to 3 days"), figures["open_by_age"]["1-3d"]),
                (_("3 to 7 days"), figures["open_by_age"]["3-7d"]),
                (_("over 7 days"), figures["open_by_age"][">7d"]),
            ],
        },
    )
