"""The API's request parser. Its own module, importing nothing of DRF's views: DRF reads
DEFAULT_PARSER_CLASSES while it defines APIView, so a module importing rest_framework.views
(net247.api does) cannot hold it: a process reaching the settings through the pagination
class first (Celery's start-up checks) met a circular import and never started."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's parser, with JSON nested past Python's recursion limit refused as a 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc
