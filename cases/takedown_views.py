"""Takedown pages: the board of our requests, one request's grid, joining a mirror,
statistics. Thin: selectors read, `cases.takedowns` writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cases import access, charts, selectors, services, takedowns
from cases.models import MirrorProposal


def _worker(request: HttpRequest) -> None:
    if access.is_auditor(request.user):
        raise PermissionDenied


@login_required
def takedown_list(request: HttpRequest) -> HttpResponse:
    _worker(request)
    items = selectors.takedowns_for(request.user).order_by("-created_at")[:200]
    proposals = selectors.proposals_for(request.user).filter(status=MirrorProposal.Status.PROPOSED)
    return render(request, "cases/takedown_list.html", {"items": items, "proposals": proposals})


@login_required
def takedown_detail(request: HttpRequest, pk: int) -> HttpResponse:
    takedown = selectors.takedown_get(request.user, pk)
    return render(
        request,
        "cases/takedown_detail.html",
        {"t": takedown, "board": takedowns.board(takedown)},
    )


@login_required
@require_POST
def proposal_join(request: HttpRequest, pk: int) -> HttpResponse:
    if not access.sees_everything(request.user):
        raise PermissionDenied
    proposal = get_object_or_404(selectors.proposals_for(request.user), pk=pk)
    try:
        mirror = takedowns.mirror_join(actor=request.user, proposal=proposal)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("cases:takedowns")
    except DjangoValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("cases:takedowns")
    return redirect("cases:takedown-detail", pk=mirror.pk)


@login_required
def takedown_statistics(request: HttpRequest) -> HttpResponse:
    _worker(request)
    figures = takedowns.statistics_figures()
    hours = {c: round(v / 3600, 1) for c, v in figures["median_seconds"].items()}
    return render(
        request,
        "cases/takedown_statistics.html",
        {
            "median_chart": charts.bars(hours, unit=" h"),
            "age_chart": charts.bars({k: float(v) for k, v in figures["open_by_age"].items()}),
            "figures": figures,
        },
    )
