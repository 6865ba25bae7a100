"""API-wide errors in DRF's shapes: a refusal is 400 `{field: [message]}`, anything else
`{"detail": message}` with its status.

One exception handler for every endpoint: a refused domain action (any
`node.errors.ServiceError`, whatever the app) and Django's ValidationError (a model's or the
exchange's checks) become 400 with the field's name, so an endpoint calls its service and
lets a refusal propagate; a body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413 instead of
Django's HTML 400 page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from node.errors import NON_FIELD, ServiceError


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        # Django raises it outside DRF's exceptions: it became Django's HTML 400 page.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = BodyTooLarge(f"Request body too large: at most {limit} bytes.")
    elif isinstance(exc, ServiceError):
        exc = exceptions.ValidationError(exc.as_dict())
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


class Pagination(LimitOffsetPagination):
    """Pages of at most 500 rows; an offset past any real table is cut, not sent to the
    database (SQLite and PostgreSQL both refuse integers over 64 bits: a 500)."""

    max_limit = 500
    max_offset = 10**9

    def get_offset(self, request: Request) -> int:
        return min(super().get_offset(request), self.max_offset)
