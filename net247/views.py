"""Node-wide pages: home (by role), the error pages, the favicon, the health endpoints and
/metrics.

The first minutes after a login: accounts' second step marks the session
(`accounts.views.LANDING_SESSION_KEY`) when nobody asked for a particular page; `home`
takes the mark once and sends an auditor to the audit log and a prosecutor or
coordinator on call now to the duty desk. Any later visit to `/` shows the home page,
which for them is what awaits them (counts through the alerts and cases selectors).

Error pages never say whether an object exists: the selectors answer 404 for what is
outside the user's scope and for what is not there, and the 404 page words both alike.
API and federation paths answer JSON; the 500 page is rendered without the request
(no session, no database: the database may be why it failed).
"""

from __future__ import annotations

import shutil
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.http import require_GET
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from rest_framework.exceptions import NotFound, PermissionDenied

from accounts.models import Role
from accounts.views import LANDING_SESSION_KEY
from alerts import selectors as alert_selectors
from cases import selectors as case_selectors
from net247 import db, queries
from net247 import metrics as node_metrics

DESK_ROLES = (Role.PROSECUTOR, Role.COORDINATOR, Role.ADMIN)
JSON_PREFIXES = ("/api/", "/federation/")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Checks nothing else on purpose."""
    return JsonResponse({"status": "ok", "country": settings.NODE_COUNTRY})


def _operator(request: HttpRequest) -> bool:
    """Who may read why a part failed: a process on this machine (not through the proxy,
    which adds X-Forwarded-For) or a logged-in administrator."""
    local = request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1") and not (
        request.META.get("HTTP_X_FORWARDED_FOR") or request.META.get("HTTP_X_REAL_IP")
    )
    user = getattr(request, "user", None)
    return local or bool(user is not None and user.is_authenticated and user.is_superuser)


def _disk_check() -> str:
    """The node's own directory (NODE_VAR_DIR: the embedded database, keys, mail) has room.
    A PostgreSQL server's disk is the server's: its refusals show as the database check."""
    try:
        free = shutil.disk_usage(settings.VAR_DIR).free
    except OSError as exc:
        return f"error: {exc.__class__.__name__}"
    if free < settings.READYZ_MIN_FREE_BYTES:
        return f"error: disk full ({free // 1024} KiB free under {settings.VAR_DIR})"
    return "ok"


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: the database answers, Redis when it is configured, and the node's disk has room."""
    checks: dict[str, str] = {}
    try:
        db.fetch(queries.PING)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            cache.set("readyz", "1", 5)
            checks["redis"] = "ok" if cache.get("readyz") == "1" else "error: no echo"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
    checks["disk"] = _disk_check()
    ready = all(value == "ok" for value in checks.values())
    if not _operator(request):
        checks = {part: "ok" if value == "ok" else "error" for part, value in checks.items()}
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's scrape (net247/metrics.py): loopback, or the METRICS_TOKEN bearer."""
    if not node_metrics.allowed(request):
        return JsonResponse(
            {"error": {"code": "forbidden", "message": "loopback or the metrics token only"}},
            status=403,
        )
    # The classic text format: every Prometheus reads it, and our names need nothing newer.
    response = HttpResponse(node_metrics.render(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
    response["Cache-Control"] = "no-store"
    return response


def landing_for(user: Any) -> str | None:
    """The page a user starts on after logging in, None for the home page."""
    role = getattr(user, "role", "")
    if role == Role.AUDITOR:
        return "audit:log"
    if role in (Role.PROSECUTOR, Role.COORDINATOR) and alert_selectors.is_on_call(user):
        return "alerts:desk"
    return None


def _awaiting(user: Any) -> dict[str, Any]:
    """What the home page counts for the user's role (nothing for an auditor)."""
    role = getattr(user, "role", "")
    if role not in DESK_ROLES:
        return {}
    figures: dict[str, Any] = {
        "on_call": alert_selectors.is_on_call(user),
        "unacknowledged": alert_selectors.unacknowledged_count(user),
    }
    if role in (Role.COORDINATOR, Role.ADMIN):
        figures["unassigned"] = case_selectors.inbound_unassigned(user).count()
        figures["takedowns_undecided"] = case_selectors.takedown_requests_undecided(user).count()
    return figures


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.session.pop(LANDING_SESSION_KEY, False):
        target = landing_for(request.user)
        if target is not None:
            return redirect(target)
    return render(request, "home.html", {"awaiting": _awaiting(request.user)})


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """`/favicon.ico`, asked for by browsers whatever the page links: the static file."""
    return HttpResponseRedirect(static("favicon.ico"))


def _json_path(request: HttpRequest) -> bool:
    return request.path_info.startswith(JSON_PREFIXES)


def _json_error(request: HttpRequest, status: int, code: str, detail: Any) -> JsonResponse:
    """The API's shape (DRF's `detail`) on /api/, the contract's `error` on /federation/."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(detail)}, status=status)
    return JsonResponse({"error": {"code": code, "message": str(detail)}}, status=status)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _json_path(request):
        return _json_error(request, 404, "not_found", NotFound.default_detail)
    return render(request, "404.html", {"desk_roles": DESK_ROLES}, status=404)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _json_path(request):
        return _json_error(request, 403, "forbidden", PermissionDenied.default_detail)
    return render(request, "403.html", {"desk_roles": DESK_ROLES}, status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    if _json_path(request):
        return _json_error(request, 500, "internal_error", "Internal server error.")
    html = loader.render_to_string("500.html", {"NODE_COUNTRY": settings.NODE_COUNTRY})
    return HttpResponseServerError(html)
