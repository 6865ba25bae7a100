"""Give every request an id and remember its client address for the audit log."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from audit import context


def _from_trusted_proxy(request: HttpRequest) -> bool:
    return request.META.get("REMOTE_ADDR") in settings.TRUSTED_PROXIES


def client_ip(request: HttpRequest) -> str:
    """The address the proxy in deploy/ saw (it overwrites, never appends, X-Real-IP); from
    anyone else X-Real-IP is a claim, and the audit log keeps the socket's address."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    if _from_trusted_proxy(request):
        return str(request.META.get("HTTP_X_REAL_IP") or remote)[:64]
    return remote


def request_id(request: HttpRequest) -> str:
    """The proxy's request id (nginx's $request_id, in its log too), else a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID") if _from_trusted_proxy(request) else None
    return str(given or uuid.uuid4().hex)[:64]


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        this_request = request_id(request)
        token = context.current.set(
            context.RequestContext(
                request_id=this_request, client_ip=client_ip(request), request=request
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.current.reset(token)
        response["X-Request-ID"] = this_request
        return response
