"""Pages for coordinators and prosecutors: thin, through selectors and services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from guardian.conf import settings as guardian_settings

from cases import access, ports, selectors, services, takedowns
from cases import handling as handling_rules
from cases.models import Handling

COUNTRIES = sorted(settings.COUNTRY_TIME_ZONES)


def _worker(request: HttpRequest) -> None:
    if access.is_auditor(request.user):
        raise PermissionDenied


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    _worker(request)
    cases = selectors.case_list(request.user, status=request.GET.get("status", ""))[:200]
    return render(request, "cases/case_list.html", {"cases": cases})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    others = [c for c in COUNTRIES if c != settings.NODE_COUNTRY]
    previews = []
    if access.sees_everything(request.user):
        for country in others:
            comparison = ports.compare(case.offence, country, case.facts, timezone.localdate())
            previews.append(
                {
                    "country": country,
                    "verdict": comparison.get("dual_criminality", {}).get("verdict", "uncertain"),
                    "reasons": comparison.get("dual_criminality", {}).get("reasons", []),
                    "dual_criminality": comparison.get("dual_criminality", {}),
                    "results": comparison.get("results", [])[:3],
                }
            )
    return render(
        request,
        "cases/case_detail.html",
        {"case": case, "previews": previews, "handlings": Handling.choices},
    )


@login_required
@require_POST
def case_notify(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    if not access.sees_everything(request.user):
        raise PermissionDenied
    to = [c for c in request.POST.getlist("to") if c in COUNTRIES]
    handling = request.POST.get("handling", "H0")
    if not to or handling not in Handling.values:
        messages.error(request, _("Choose at least one country and a handling code."))
        return redirect("cases:detail", pk=pk)
    try:
        services.case_notify(
            actor=request.user,
            case=case,
            to=to,
            handling=handling,
            restrictions=request.POST.get("restrictions", ""),
        )
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    except DjangoValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("Notification queued for %(to)s.") % {"to": ", ".join(to)})
    return redirect("cases:detail", pk=pk)


@login_required
def inbound_list(request: HttpRequest) -> HttpResponse:
    items = selectors.inbound_list(request.user, kind=request.GET.get("kind", ""))[:200]
    return render(
        request,
        "cases/inbound_list.html",
        {"items": items, "metadata_only": access.is_auditor(request.user)},
    )


@login_required
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.inbound_get(request.user, pk)
    people = []
    if access.sees_everything(request.user):
        people = list(
            get_user_model()
            .objects.filter(role="prosecutor", is_active=True)
            .exclude(username=guardian_settings.ANONYMOUS_USER_NAME)
        )
    return render(
        request,
        "cases/inbound_detail.html",
        {
            "item": item,
            "people": people,
            "statuses": takedowns.STATUSES,
            "restrictions": handling_rules.source_of(item).restrictions,
        },
    )


@login_required
@require_POST
def inbound_assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.inbound_get(request.user, pk)
    user = (
        get_user_model()
        .objects.filter(username=request.POST.get("username", ""), is_active=True)
        .first()
    )
    try:
        services.inbound_assign(
            actor=request.user, item=item, user=user, unit=request.POST.get("unit", "")
        )
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    except DjangoValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("cases:inbound-detail", pk=pk)


@login_required
def thread(request: HttpRequest, thread: Any) -> HttpResponse:
    view = selectors.thread_view(request.user, str(thread))
    acks: dict[str, Any] = view["acks"] or {}
    rows = [
        {
            "m": m,
            "acks": [{**a, "at": _when(a.get("at"))} for a in acks.get(str(m["envelope_id"]), [])],
        }
        for m in view["messages"]
    ]
    return render(request, "cases/thread.html", {"thread": str(thread), "rows": rows})


def _when(value: Any) -> Any:
    """Acknowledgement times come as ISO strings in UTC; the page shows local datetimes."""
    return parse_datetime(value) if isinstance(value, str) else value


def _indicator_lines(text: str) -> list[dict[str, str]]:
    """`kind: value` per line, as typed in the form."""
    rows = []
    for line in text.splitlines():
        kind, sep, value = line.partition(":")
        if line.strip():
            rows.append({"kind": kind.strip(), "value": value.strip() if sep else ""})
    return rows


def _errors(errors: Any) -> list[str]:
    flat = []
    for field, problems in dict(errors).items():
        flat.append(f"{field}: {problems}")
    return flat


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    """The form posts the same members as `POST /api/v1/cases/` and is validated by the
    same serializer, so the page and the API accept exactly the same cases."""
    from cases.api.serializers import CaseCreateInput

    _worker(request)
    errors: list[str] = []
    if request.method == "POST":
        post = request.POST
        offence = {
            "country": post.get("offence_country", ""),
            "code": post.get("offence_code", "") or "CC",
            "article": post.get("offence_article", ""),
        }
        if post.get("offence_part"):
            offence["part"] = post["offence_part"]
        data = CaseCreateInput(
            data={
                "title": post.get("title", ""),
                "summary": post.get("summary", ""),
                "offence": offence,
                "facts": [f.strip() for f in post.get("facts", "").split(",") if f.strip()],
                "urgency": post.get("urgency", "routine"),
                "indicators": _indicator_lines(post.get("indicators", "")),
            }
        )
        if data.is_valid():
            case = services.case_create(actor=request.user, **data.validated_data)
            return redirect("cases:detail", pk=case.pk)
        errors = _errors(data.errors)
    return render(
        request,
        "cases/case_form.html",
        {"errors": errors, "countries": COUNTRIES, "form": request.POST},
    )


@login_required
@require_POST
def inbound_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Request back, respond, or decide a takedown target, from the item's page."""
    item = selectors.inbound_get(request.user, pk)
    action = request.POST.get("action", "")
    text = request.POST.get("text", "").replace("\x00", "")
    try:
        if action == "request" and text.strip():
            kind = request.POST.get("kind", "information")
            urgency = request.POST.get("urgency", "routine")
            if kind not in ("information", "preservation", "assistance") or urgency not in (
                services.DUE_AFTER
            ):
                raise services.ServiceError("kind", _("Invalid request kind or urgency."))
            services.request_send(
                actor=request.user, kind=kind, text=text, urgency=urgency, inbound=item
            )
        elif action == "respond" and text.strip():
            status = request.POST.get("status", "answered")
            if status not in ("answered", "partial", "refused"):
                raise services.ServiceError("status", _("Invalid status."))
            services.response_send(actor=request.user, item=item, text=text, status=status)
        elif action == "takedown-status":
            takedowns.takedown_status_report(
                actor=request.user,
                item=item,
                target=request.POST.get("target", ""),
                status=request.POST.get("status", ""),
                note=text,
            )
        else:
            raise services.ServiceError("text", _("Write the text first."))
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    except DjangoValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("Sent."))
    return redirect("cases:inbound-detail", pk=pk)
