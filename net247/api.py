"""API-wide error shape: every error answers {"error": {...}} beside DRF's field errors."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    return drf_exception_handler(exc, context)


class Pagination(LimitOffsetPagination):
    """Pages of at most 500 rows; an offset past any real table is cut, not sent to the
    database (SQLite and PostgreSQL both refuse integers over 64 bits: a 500)."""

    max_limit = 500
    max_offset = 10**9

    def get_offset(self, request: Request) -> int:
        return min(super().get_offset(request), self.max_offset)


class JSONParser(parsers.JSONParser):
    """DRF's parser, with JSON nested past Python's recursion limit refused as a 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc
