"""The feed's endpoints for registries: thin (parse, read or call one service, sign)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.blocking import feed, formats, services, signing
from cases.blocking.auth import IsRegistry, RegistryTokenAuthentication
from cases.blocking.models import Registry
from exchange import schemas

CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "rpz": "text/dns; charset=us-ascii",
}


def _int_param(request: Request, name: str, default: int, top: int) -> int:
    text = request.query_params.get(name, "")
    if not text:
        return default
    if not text.isdigit() or int(text) > top:
        raise ValidationError({name: f"a whole number from 0 to {top}"})
    return int(text)


def _signed(body: bytes, fmt: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response[signing.HEADER] = signing.signature_header(body)
    response["Cache-Control"] = "no-store"
    return response


class RegistryApi(APIView):
    authentication_classes = [RegistryTokenAuthentication]
    permission_classes = [IsRegistry]

    def registry(self, request: Request) -> Registry:
        user: Any = request.user
        assert isinstance(user, Registry)  # IsRegistry
        return user


FEED_PARAMS = [
    OpenApiParameter("after", int, required=False),
    OpenApiParameter("limit", int, required=False),
]


class FeedApi(RegistryApi):
    """Entries after a cursor, oldest first, as JSON or CSV (`fmt` from the URL)."""

    fmt = "json"

    @extend_schema(parameters=FEED_PARAMS, responses={200: OpenApiTypes.BINARY})
    def get(self, request: Request) -> HttpResponse:
        after = _int_param(request, "after", 0, 2**62)
        limit = _int_param(request, "limit", feed.MAX_LIMIT, feed.MAX_LIMIT) or feed.MAX_LIMIT
        rows = feed.lines_after(after, limit + 1, self.fmt)
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = rows[-1][0] if rows else after
        lines = [line for _cursor, line in rows]
        if self.fmt == "csv":
            body = formats.render_csv(lines)
        else:
            body = formats.render_json(
                node=settings.NODE_COUNTRY, after=after, cursor=cursor, lines=lines, more=more
            )
        feed.pull_recorded(
            registry=self.registry(request),
            fmt=self.fmt,
            after=after,
            cursor=cursor,
            count=len(rows),
        )
        response = _signed(body, self.fmt)
        response["X-Feed-Cursor"] = str(cursor)
        return response


class FeedRpzApi(RegistryApi):
    """The current set as a Response Policy Zone (serial = last cursor)."""

    @extend_schema(responses={200: OpenApiTypes.BINARY})
    def get(self, request: Request) -> HttpResponse:
        domains, serial = feed.current_domains()
        body = formats.render_rpz(node=settings.NODE_COUNTRY, domains=domains, serial=serial)
        feed.pull_recorded(
            registry=self.registry(request), fmt="rpz", after=0, cursor=serial, count=len(domains)
        )
        response = _signed(body, "rpz")
        response["X-Feed-Cursor"] = str(serial)
        return response


class ConfirmInput(serializers.Serializer[dict[str, Any]]):
    result = serializers.ChoiceField(choices=sorted(services.RESULTS))
    at = serializers.CharField(max_length=20)
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)

    def validate_at(self, value: str) -> Any:
        try:
            return schemas.parse_time(value)
        except ValueError:
            raise serializers.ValidationError("YYYY-MM-DDTHH:MM:SSZ (UTC)") from None


class ConfirmOutput(serializers.Serializer[dict[str, Any]]):
    envelope_id = serializers.CharField(allow_null=True)


class EntryConfirmApi(RegistryApi):
    """The registry's result for one entry: `blocked` at its time, or `cannot_block`."""

    @extend_schema(request=ConfirmInput, responses={202: ConfirmOutput, 400: OpenApiTypes.OBJECT})
    def post(self, request: Request, cursor: int) -> Response:
        data = ConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        envelope_id = services.entry_confirm(
            registry=self.registry(request), cursor=cursor, **data.validated_data
        )
        return Response({"envelope_id": envelope_id}, status=status.HTTP_202_ACCEPTED)
