"""Pages for coordinators and prosecutors: thin, through selectors and services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import (
    access,
    conversation,
    forms,
    labels,
    legal,
    private_match,
    read_services,
    selectors,
    services,
    takedowns,
)
from cases import handling as handling_rules
from cases.filters import CaseFilter, InboundFilter
from cases.indicators import IndicatorError
from cases.models import MatchQuery
from exchange import schemas
from net247 import lists

COUNTRIES = sorted(settings.COUNTRY_TIME_ZONES)


def _worker(request: HttpRequest) -> None:
    if access.is_auditor(request.user):
        raise PermissionDenied


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    _worker(request)
    cases = read_services.case_list_read(
        actor=request.user, filters=lists.filter_params(request.GET, CaseFilter)
    )
    listing = lists.page_of(request, CaseFilter(request.GET, queryset=cases, request=request))
    return lists.render_list(
        request, "cases/case_list.html", "cases/_case_listing.html", {"list": listing}
    )


def _detail_context(request: HttpRequest, case: Any, **extra: Any) -> dict[str, Any]:
    """The case page: what the case is, per destination what became of it, and the
    forms (notify the countries not yet notified, edit, close or reopen)."""
    destinations = selectors.case_destinations(case)
    coordinator = access.sees_everything(request.user)
    previews = (
        selectors.comparison_previews(case, selectors.notifiable_countries(case))
        if coordinator
        else []
    )
    context: dict[str, Any] = {
        "case": case,
        "facts": [legal.fact_label(f) for f in case.facts],
        "handling_meaning": forms.handling_meaning(case.handling),
        "destinations": destinations,
        "notified": sorted(d.country for d in destinations),
        "previews": previews,
        "handlings": forms.handling_choices(),
        "notify": {"to": [], "handling": case.handling, "restrictions": case.restrictions},
        "notify_errors": {},
        "edit_form": forms.CaseEditForm.for_case(case),
        "status_form": forms.CaseStatusForm(
            initial={"status": "open" if case.status == "closed" else "closed"}
        ),
        "can_act": not access.is_auditor(request.user),
        "matches": selectors.latest_matches(case) if not access.is_auditor(request.user) else [],
        "match_peers": private_match.peers(),
        "notifiable": [p["country"] for p in previews],
    }
    targeted = _targeted(request, case) if previews else None
    if targeted is not None:
        context["targeted"] = targeted
        context["notify"] = {"to": [targeted.peer], "handling": case.handling or "H1"}
    context.update(extra)
    return context


def _match_id(request: HttpRequest) -> int | None:
    """`?match=ID` (or the posted `match`), bounded before it reaches the database."""
    raw = request.POST.get("match") or request.GET.get("match") or ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _targeted(request: HttpRequest, case: Any) -> MatchQuery | None:
    """A notification carrying only the indicators that private match found at the
    country of the match named in the request."""
    match_id = _match_id(request)
    return private_match.answered_query(case, match_id) if match_id is not None else None


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = read_services.case_read(actor=request.user, pk=pk)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


@login_required
@require_POST
def case_notify(request: HttpRequest, pk: int) -> HttpResponse:
    """Errors are shown next to the notify form with what was chosen kept."""
    case = read_services.case_read(actor=request.user, pk=pk)
    if not access.sees_everything(request.user):
        raise PermissionDenied
    to = [c for c in request.POST.getlist("to") if c in COUNTRIES]
    handling = request.POST.get("handling", "")
    restrictions = request.POST.get("restrictions", "")
    try:
        services.case_notify(
            actor=request.user,
            case=case,
            to=to,
            handling=handling,
            restrictions=restrictions,
            only_indicators=private_match.notify_only(case, _match_id(request), to),
        )
    except services.ServiceError as exc:
        errors = exc.as_dict()
    except DjangoValidationError as exc:  # the exchange's: a destination not enrolled
        errors = {"to": exc.messages}
    else:
        messages.success(request, _("Notification queued for %(to)s.") % {"to": ", ".join(to)})
        return redirect("cases:detail", pk=pk)
    shown = {"handling": errors.pop("handling", []), "restrictions": errors.pop("restrictions", [])}
    shown["to"] = [m for field_errors in errors.values() for m in field_errors]
    context = _detail_context(
        request,
        case,
        notify={"to": to, "handling": handling, "restrictions": restrictions},
        notify_errors=shown,
    )
    return render(request, "cases/case_detail.html", context, status=400)


@login_required
@require_POST
def case_match(request: HttpRequest, pk: int) -> HttpResponse:
    """Check the case's indicators privately with the countries chosen (issue 22)."""
    case = read_services.case_read(actor=request.user, pk=pk)
    _worker(request)
    known = private_match.peers()
    peers = [c for c in request.POST.getlist("to") if c in known]
    if not peers:
        messages.error(request, _("Choose at least one country."))
        return redirect("cases:detail", pk=pk)
    try:
        private_match.match_ask(actor=request.user, case=case, peers=peers)
    except IndicatorError:
        messages.error(request, _("The case has no indicator to check."))
    except DjangoValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Private check sent to %(to)s. The answers appear below.") % {"to": ", ".join(peers)},
        )
    return redirect(reverse("cases:detail", args=[pk]) + "#private-match")


@login_required
@require_POST
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit title, summary or urgency; travels as `case.update` to the countries notified."""
    case = read_services.case_read(actor=request.user, pk=pk)
    _worker(request)
    form = forms.CaseEditForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        note = data.pop("note", "")
        try:
            sent = services.case_update(actor=request.user, case=case, changes=data, note=note)
        except services.ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _sent_text(sent))
            return redirect("cases:detail", pk=pk)
    context = _detail_context(request, case, edit_form=form, edit_open=True)
    return render(request, "cases/case_detail.html", context, status=400)


@login_required
@require_POST
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Close or reopen; travels as `case.update` with `changes: {status}`."""
    case = read_services.case_read(actor=request.user, pk=pk)
    _worker(request)
    form = forms.CaseStatusForm(request.POST)
    if form.is_valid():
        try:
            sent = services.case_set_status(
                actor=request.user,
                case=case,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except services.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _sent_text(sent))
            return redirect("cases:detail", pk=pk)
    context = _detail_context(request, case, status_form=form)
    return render(request, "cases/case_detail.html", context, status=400)


def _sent_text(threads: int) -> str:
    if not threads:
        return _("Saved. The case has not been notified to any country yet.")
    return _("Saved and sent to the countries notified.")


@login_required
def case_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The case file to print (or save as PDF): the case, its notifications, receipts,
    acknowledgements and the legal comparison. The read is audited as an export; that
    entry's sequence number is printed on every page."""
    case, entry = read_services.case_print(actor=request.user, pk=pk)
    return render(
        request,
        "cases/case_print.html",
        {
            "case": case,
            "facts": [legal.fact_label(f) for f in case.facts],
            "handling_meaning": forms.handling_meaning(case.handling),
            "destinations": selectors.case_destinations(case),
            "audit_seq": entry.seq,
            "printed_at": timezone.now(),
        },
    )


@login_required
def inbound_list(request: HttpRequest) -> HttpResponse:
    items = read_services.inbound_list_read(
        actor=request.user, filters=lists.filter_params(request.GET, InboundFilter)
    )
    listing = lists.page_of(request, InboundFilter(request.GET, queryset=items, request=request))
    return lists.render_list(
        request,
        "cases/inbound_list.html",
        "cases/_inbound_listing.html",
        {"list": listing, "metadata_only": access.is_auditor(request.user)},
    )


def _inbound_page(
    request: HttpRequest, item: Any, td_report: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The received item's page; `td_report` is a refused takedown step (target, status,
    text and the errors per field) shown again next to its field with what was typed."""
    return render(
        request,
        "cases/inbound_detail.html",
        {
            "item": item,
            "people": selectors.assignable_people(request.user),
            "statuses": takedowns.STATUSES,
            "request_kinds": list(labels.REQUEST_KIND_LABELS),
            "answer_statuses": list(labels.ANSWER_STATUS_LABELS),
            "restrictions": handling_rules.source_of(item).restrictions,
            "updates": conversation.updates_of(item),
            "td_report": td_report or {},
        },
        status=status,
    )


@login_required
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _inbound_page(request, read_services.inbound_read(actor=request.user, pk=pk))


def _takedown_status(request: HttpRequest, item: Any) -> HttpResponse:
    """The decider's step on one target; a refusal (a step back without a reason) is
    shown next to its field with the chosen state and the typed note kept."""
    target = request.POST.get("target", "")
    status = request.POST.get("status", "")
    text = request.POST.get("text", "").replace("\x00", "")
    try:
        takedowns.takedown_status_report(
            actor=request.user, item=item, target=target, status=status, note=text
        )
    except services.ServiceError as exc:
        errors = exc.as_dict()
    except DjangoValidationError as exc:
        errors = {"non_field_errors": exc.messages}
    else:
        messages.success(request, _("Sent."))
        return redirect("cases:inbound-detail", pk=item.pk)
    report = {
        "target": target,
        "status": status,
        "text": text,
        "note_errors": errors.pop("note", []),
        "status_errors": errors.pop("status", []),
        "other_errors": [m for field_errors in errors.values() for m in field_errors],
    }
    return _inbound_page(request, item, td_report=report, status=400)


@login_required
@require_POST
def inbound_assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = read_services.inbound_read(actor=request.user, pk=pk)
    user = selectors.active_user(request.POST.get("username", ""))
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
    view = read_services.thread_read(actor=request.user, thread=str(thread))
    return _thread_page(request, str(thread), view, forms.ReplyForm())


def _thread_page(
    request: HttpRequest, thread: str, view: dict[str, Any], form: Any, status: int = 200
) -> HttpResponse:
    subject = conversation.subject_of(thread)
    return render(
        request,
        "cases/thread.html",
        {
            "thread": thread,
            "subject": subject,
            "rows": conversation.rows_of(view),
            "awaited": conversation.awaited(view),
            "form": form,
            "can_reply": subject.answerable and not access.is_auditor(request.user),
        },
        status=status,
    )


@login_required
@require_POST
def thread_reply(request: HttpRequest, thread: Any) -> HttpResponse:
    """A free-text message in the conversation (sent as `case.update`, no changes)."""
    view = read_services.thread_read(actor=request.user, thread=str(thread))
    form = forms.ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.thread_reply(
                actor=request.user, thread=str(thread), text=form.cleaned_data["text"]
            )
        except services.ServiceError as exc:
            form.add_error("text", exc.message)
        else:
            messages.success(request, _("Message signed and queued."))
            return redirect("cases:thread", thread=thread)
    return _thread_page(request, str(thread), view, form, status=400)


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    """The form checks what was typed (errors next to the field, choices kept) and runs
    the API's serializer, then calls the same service as `POST /api/v1/cases/`."""
    _worker(request)
    form = forms.CaseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(actor=request.user, **form.payload(form.cleaned_data))
        except services.ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("cases:detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/case_form.html", {"form": form}, status=status)


@login_required
@require_POST
def inbound_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Request back, respond, or decide a takedown target, from the item's page."""
    item = read_services.inbound_read(actor=request.user, pk=pk)
    action = request.POST.get("action", "")
    if action == "takedown-status":
        return _takedown_status(request, item)
    text = request.POST.get("text", "").replace("\x00", "")
    try:
        if action == "request" and text.strip():
            kind = request.POST.get("kind", "information")
            urgency = request.POST.get("urgency", "routine")
            if kind not in schemas.REQUEST_KINDS or urgency not in services.DUE_AFTER:
                raise services.ServiceError("kind", _("Invalid request kind or urgency."))
            services.request_send(
                actor=request.user, kind=kind, text=text, urgency=urgency, inbound=item
            )
        elif action == "respond" and text.strip():
            status = request.POST.get("status", "answered")
            if status not in schemas.RESPONSE_STATUSES:
                raise services.ServiceError("status", _("Invalid status."))
            services.response_send(actor=request.user, item=item, text=text, status=status)
        else:
            raise services.ServiceError("text", _("Write the text first."))
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    except DjangoValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("Sent."))
    return redirect("cases:inbound-detail", pk=pk)
