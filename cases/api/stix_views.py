"""STIX 2.1 bundles of a case's or a takedown's indicators (cases.stix): thin endpoints."""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import read_services, stix
from cases.api.views import _pk, _worker

STIX_TYPE = "application/stix+json;version=2.1"


def _bundle(text: str) -> HttpResponse:
    return HttpResponse(text.encode("utf-8"), content_type=STIX_TYPE)


BUNDLE = {(200, STIX_TYPE): OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT}


class CaseStixApi(APIView):
    @extend_schema(responses=BUNDLE)
    def get(self, request: Request, pk: str) -> HttpResponse:
        _worker(request)
        case = read_services.case_export(actor=request.user, pk=_pk(pk))
        return _bundle(stix.export_case(case))

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, pk: str) -> Response:
        """Add the indicators of a STIX 2.1 bundle (the request body) to the case."""
        _worker(request)
        case = read_services.case_read(actor=request.user, pk=_pk(pk))
        rows, skipped = stix.case_indicators_import(
            actor=request.user, case=case, text=json.dumps(request.data)
        )
        added = [{"kind": r.kind, "value": r.value} for r in rows]
        return Response({"added": added, "skipped": skipped}, status=status.HTTP_201_CREATED)


class TakedownStixApi(APIView):
    @extend_schema(responses=BUNDLE)
    def get(self, request: Request, pk: str) -> HttpResponse:
        _worker(request)
        takedown = read_services.takedown_read(actor=request.user, pk=_pk(pk))
        return _bundle(stix.export_takedown(takedown))
