"""Thin endpoints: parse, scope through selectors, call one service, serialise."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import read_services, selectors, services
from alerts.api.serializers import AlertOutput, OnCallQuery, ResolveInput
from alerts.filters import AlertFilter
from net247 import lists
from net247.api import Pagination


class AlertListApi(APIView):
    """The alert history's rows and filters (`alerts.filters.AlertFilter`, as the page)."""

    filterset_class = AlertFilter

    @extend_schema(parameters=lists.schema_parameters(AlertFilter))
    def get(self, request: Request) -> Response:
        params = lists.filter_params(request.query_params, AlertFilter)
        qs = read_services.alert_list_read(actor=request.user, filters=params)
        qs = lists.api_filtered(request, qs, self)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        response: Response = paginator.get_paginated_response(AlertOutput(page, many=True).data)
        return response


class AlertDetailApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        alert = read_services.alert_read(actor=request.user, pk=pk)
        return Response(AlertOutput(alert).data)


def _act(request: Request, pk: int, action: Any) -> Response:
    alert = get_object_or_404(selectors.alerts_for(request.user), pk=pk)
    alert = action(alert=alert, actor=request.user)  # a refusal: 400 (net247.api)
    return Response(AlertOutput(alert).data)


class AlertAckApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        return _act(request, pk, services.alert_acknowledge)


class AlertResolveApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        data = ResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = str(data.validated_data.get("note", ""))
        return _act(request, pk, partial(services.alert_resolve, note=note))


class WsTicketApi(APIView):
    def post(self, request: Request) -> Response:
        token = services.ws_ticket_create(user=request.user)  # type: ignore[arg-type]
        return Response(
            {"ticket": token, "expires_in": int(services.TICKET_TTL.total_seconds())},
            status=status.HTTP_201_CREATED,
        )


class OnCallApi(APIView):
    """Who is on call now (or ?at=ISO) per schedule, with phones: the duty contacts."""

    class Output(serializers.Serializer[object]):
        schedule = serializers.CharField()
        published = serializers.BooleanField()
        at = serializers.DateTimeField()
        on_call = serializers.ListField(child=serializers.DictField())
        next_handoff = serializers.DateTimeField(allow_null=True)

    def get(self, request: Request) -> Response:
        query = OnCallQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        view = selectors.on_call_view(query.validated_data.get("at"))
        return Response(self.Output(view, many=True).data)
