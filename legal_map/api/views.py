"""Thin endpoints: parse, call one service or selector, serialise."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from legal_map import selectors, services
from legal_map.api import serializers as s
from legal_map.models import Offence
from net247.api import Pagination

ERRORS: dict[int, Any] = {400: OpenApiTypes.OBJECT}


class CompareApi(APIView):
    @extend_schema(parameters=[s.CompareInput], responses={200: s.CompareOutput, **ERRORS})
    def get(self, request: Request) -> Response:
        params = s.CompareInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            result = services.compare(
                data["from_country"],
                data["from_article"],
                data["from_part"],
                data["to"],
                data["facts"],
                data["date"],
                purpose=data["purpose"],
                decision_date=data["decision_date"],
            )
        except LookupError as exc:
            field = "from_part" if data["from_part"] else "from_article"
            raise ValidationError({field: [str(exc)]}) from exc
        return Response(result)


class OffenceListApi(APIView):
    @extend_schema(parameters=[s.OffenceFilter], responses={200: s.OffencePage, **ERRORS})
    def get(self, request: Request) -> Response:
        params = s.OffenceFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        qs = selectors.offence_list(**params.validated_data)
        paginator = Pagination()
        page: Any = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(s.OffenceOutput(page, many=True).data)


class OffenceDetailApi(APIView):
    @extend_schema(responses={200: s.OffenceOutput, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: str) -> Response:
        # A str in the URL so that every malformed id gets the API's JSON 404.
        if not (pk.isascii() and pk.isdigit()) or not 0 < int(pk) < 2**62:
            raise Http404
        return Response(s.OffenceOutput(get_object_or_404(Offence, pk=int(pk))).data)


class FactListApi(APIView):
    @extend_schema(responses={200: s.FactOutput(many=True)})
    def get(self, request: Request) -> Response:
        return Response(selectors.facts_vocabulary())
