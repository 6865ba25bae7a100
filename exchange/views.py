"""Federation endpoints: plain CSRF-exempt Django views, no session or DRF auth.

A peer authenticates by its signature, checked in exchange.inbox; the views only move
bytes in and out.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from audit.middleware import client_ip
from exchange import canonical, inbox, keyring, schemas, witness
from exchange.models import Peer

CONTENT_TYPE = "application/json"


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(canonical.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@csrf_exempt
@require_POST
def inbox_view(request: HttpRequest) -> HttpResponse:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > schemas.MAX_ENVELOPE_BYTES:
        outcome = inbox.receive(
            b" " * (schemas.MAX_ENVELOPE_BYTES + 1), client_ip=client_ip(request)
        )
    else:
        # Read at most one byte past the limit: a chunked body has no Content-Length, and
        # request.body would raise Django's RequestDataTooBig (an HTML 400) past 2.5 MB.
        raw = request.read(schemas.MAX_ENVELOPE_BYTES + 1)
        outcome = inbox.receive(raw, client_ip=client_ip(request))
    return _json(outcome.status, outcome.body, outcome.headers)


@require_GET
def keys_view(request: HttpRequest) -> HttpResponse:
    return _json(200, keyring.keys_document())


@require_GET
def witnessed_view(request: HttpRequest, origin: str) -> HttpResponse:
    """The last head of `origin`'s audit log this node co-signed, signed (audit.witnessed).
    Only sizes and hashes: what the origin itself sent here."""
    if not Peer.objects.filter(country=origin).exists():
        error = {"code": "unknown_peer", "message": f"{origin} is not an enrolled peer"}
        return _json(404, {"error": error})
    return _json(200, witness.witnessed_document(origin))
