"""Pages: the explorer (an article, its parts, and its comparables in four countries) and
the coordinators' curation page. Views parse and call services; the engine decides."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from legal_map import penalties, reasons, selectors, services
from legal_map.engine import PURPOSES
from legal_map.models import EquivalenceKind, Offence, Status
from legal_map.presentation import (
    NATIONAL_LANGUAGES,
    SHOWN,
    VERDICTS,
    _match_view,
    _ru,
    _shown,
    _title,
    badge,
    label,
    short,
)
from legal_map.reasons import PURPOSES as PURPOSE_LABELS
from legal_map.vocabulary import BY_TAG, KIND_LABELS, TAGS


def _elements(data: dict[str, Any]) -> list[dict[str, Any]]:
    def row(role: str, tag: str) -> dict[str, Any]:
        kind = KIND_LABELS[BY_TAG[tag].kind] if tag in BY_TAG else ""
        return {"role": role, "kind": kind, "text": label(tag)}

    rows = [row(_("required"), t) for t in data.get("required", [])]
    rows += [row(_("one of"), "|".join(g)) for g in data.get("any_of", [])]
    rows += [row(_("also covers"), t) for t in data.get("covers", [])]
    rows += [row(_("excludes"), t) for t in data.get("excludes", [])]
    return rows


def _amendment_view(a: dict[str, Any]) -> dict[str, Any]:
    status = a.get("status", "")
    return {
        "a": a,
        "status": str(Status(status).label) if status in Status.values else status,
        "badge": badge(a.get("verification", "")),
    }


def _part_view(o: Offence) -> dict[str, Any]:
    return {
        "o": o,
        "title": _title(o.title_ru, o.title_en),
        "elements": _elements(o.elements),
        "badge": badge(o.verification),
        "status": str(Status(o.status).label),
        "amendments": [_amendment_view(a) for a in o.amendments],
        "penalties": penalties.describe_all(o.penalties),
    }


@login_required
def explorer(request: HttpRequest) -> HttpResponse:
    country = request.GET.get("country", "MD").upper().replace("\x00", "")
    if country not in selectors.COUNTRIES:
        country = "MD"
    article = request.GET.get("article", "").replace("\x00", "").strip()[:40]
    part = request.GET.get("part", "").replace("\x00", "").strip()[:40]
    facts = [f.replace("\x00", "") for f in request.GET.getlist("facts") if f]
    if len(facts) == 1 and "," in facts[0]:
        facts = [f.strip() for f in facts[0].split(",") if f.strip()]
    date = request.GET.get("date", "").replace("\x00", "").strip()[:10]
    decision_date = request.GET.get("decision_date", "").replace("\x00", "").strip()[:10]
    purpose = request.GET.get("purpose", "mla")
    if purpose not in PURPOSES:
        purpose = "mla"
    context: dict[str, Any] = {
        "countries": selectors.COUNTRIES,
        "country": country,
        "articles": selectors.articles_of(country, "ru" if _ru() else "en"),
        "national_language": NATIONAL_LANGUAGES.get(country, ""),
        "article": article,
        "part": part,
        "facts": facts,
        "date": date,
        "decision_date": decision_date,
        "purpose": purpose,
        "purposes": [(k, str(v)) for k, v in PURPOSE_LABELS.items()],
        "vocabulary": [
            {"tag": t.tag, "kind": KIND_LABELS[t.kind], "label": label(t.tag)} for t in TAGS
        ],
        "parts": [],
        "comparisons": [],
        "error": "",
        "errors": {},
    }
    if article:
        context["parts"] = [_part_view(o) for o in selectors.offence_parts(country, article)]
        try:
            comparisons = services.compare_all(
                country,
                article,
                part,
                facts,
                date or None,
                purpose=purpose,
                decision_date=decision_date or None,
            )
        except services.LegalMapError as exc:
            context["errors"] = {_EXPLORER_FIELDS.get(exc.field, exc.field): exc.message}
            context["error"] = exc.message
        except LookupError as exc:
            context["errors"] = {"part" if part else "article": str(exc)}
            context["error"] = str(exc)
        else:
            context["source"] = comparisons[0].source
            context["source_badge"] = badge(comparisons[0].source.verification)
            context["on_date"] = comparisons[0].date
            context["decided_on"] = comparisons[0].decision_date
            context["comparisons"] = [
                {
                    "c": c,
                    "verdict": str(VERDICTS[c.verdict]),
                    "reasons": [reasons.render(r, short) for r in c.reasons],
                    "results": [_match_view(m) for m in _shown(c.results)],
                    "more": max(0, sum(m.in_force_at_date for m in c.results) - SHOWN),
                }
                for c in comparisons
            ]
    return render(request, "legal_map/explorer.html", context)


# The service's parameter names (shared with the API) → the explorer's field names.
_EXPLORER_FIELDS = {"from_article": "article", "from_part": "part", "date": "date"}


def _coordinator(request: HttpRequest) -> None:
    if getattr(request.user, "role", "") not in ("coordinator", "admin"):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def curation(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    errors: dict[str, str] = {}
    form = {k: request.POST.get(k, "").strip() for k in _FIELDS} if request.method == "POST" else {}
    if request.method == "POST":
        try:
            services.equivalence_record(actor=request.user, **form)
        except services.LegalMapError as exc:
            # Next to its field when it has one on the form; above the form otherwise.
            errors = {exc.field if exc.field in _FIELDS else "form": exc.message}
        else:
            return redirect("legal_map:curation")
    return render(
        request,
        "legal_map/curation.html",
        {
            "equivalences": selectors.equivalence_list(),
            "countries": selectors.COUNTRIES,
            "kinds": EquivalenceKind.choices,
            "sides": [("source", _("Source offence")), ("target", _("Comparable offence"))],
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


_FIELDS = (
    "source_country",
    "source_article",
    "source_part",
    "target_country",
    "target_article",
    "target_part",
    "kind",
    "note",
)


@login_required
@require_POST
def curation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _coordinator(request)
    with contextlib.suppress(services.LegalMapError):  # already revoked: the list says so
        services.equivalence_revoke(actor=request.user, equivalence_id=pk)
    return redirect("legal_map:curation")
