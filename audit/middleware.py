"""Give every request an id and remember its client address for the audit log."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit import context


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR as the proxy in deploy/ sets it (it overwrites, never appends, X-Real-IP)."""
    return str(request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or "")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.META.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex
        request_id = str(request_id)[:64]
        token = context.current.set(
            context.RequestContext(
                request_id=request_id, client_ip=client_ip(request), request=request
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.current.reset(token)
        response["X-Request-ID"] = request_id
        return response
