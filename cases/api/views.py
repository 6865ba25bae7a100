"""Thin endpoints: parse, authorise, call one service or selector, serialise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import access, private_match, read_services, selectors, services, takedowns
from cases.api import serializers as s
from cases.filters import CaseFilter, InboundFilter
from cases.indicators import IndicatorError
from cases.models import InboundItem, MirrorProposal, Takedown
from cases.takedown_forms import TakedownFilter
from net247 import lists
from net247.api import Pagination

ERRORS: dict[int, Any] = {400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT}


def _coordinator(request: Request) -> None:
    if not access.sees_everything(request.user):
        raise PermissionDenied("coordinators only")


def _worker(request: Request) -> None:
    if access.is_auditor(request.user):
        raise PermissionDenied("auditors see no case content")


def _call(fn: Any, **kwargs: Any) -> Any:
    """Run one service; its refusals (ours, or the exchange's ValidationError, e.g. a
    destination that is not an enrolled peer) become 400 with field errors in
    net247.api.exception_handler."""
    return fn(**kwargs)


def _page(request: Request, view: APIView, qs: Any, serializer: Any) -> Response:
    paginator = Pagination()
    page: Any = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _filters(request: Request, *keys: str) -> dict[str, str]:
    return {k: request.query_params.get(k, "").replace("\x00", "")[:100] for k in keys}


def _pk(value: Any) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**62:
        raise Http404
    return pk


LIST_PARAMS = [
    OpenApiParameter("limit", int, required=False),
    OpenApiParameter("offset", int, required=False),
]


class CaseListCreateApi(APIView):
    filterset_class = CaseFilter

    @extend_schema(
        parameters=lists.schema_parameters(CaseFilter),
        responses={200: s.CaseListPage, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        _worker(request)
        qs = read_services.case_list_read(
            actor=request.user, filters=lists.filter_params(request.query_params, CaseFilter)
        )
        return _page(request, self, lists.api_filtered(request, qs, self), s.CaseListOutput)

    @extend_schema(request=s.CaseCreateInput, responses={201: s.CaseCreateOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        _worker(request)
        data = s.CaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = _call(services.case_create, actor=request.user, **data.validated_data)
        return Response(s.CaseCreateOutput(case).data, status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema(responses={200: s.CaseOutput, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: str) -> Response:
        case = read_services.case_read(actor=request.user, pk=_pk(pk))
        return Response(s.CaseOutput(case).data)


class CaseNotifyApi(APIView):
    @extend_schema(request=s.NotifyInput, responses={202: s.NotifyOutput, **ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        case = read_services.case_read(actor=request.user, pk=_pk(pk))
        _coordinator(request)
        data = s.NotifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        match_id = fields.pop("match", None)
        fields["only_indicators"] = private_match.notify_only(case, match_id, fields["to"])
        rows = _call(services.case_notify, actor=request.user, case=case, **fields)
        out = {"envelope_id": rows[0].envelope_id, "to": [r.country for r in rows]}
        return Response(s.NotifyOutput(out).data, status=status.HTTP_202_ACCEPTED)


class CaseCompareApi(APIView):
    """What the notify form shows before sending: comparison and verdict per country."""

    @extend_schema(
        parameters=[OpenApiParameter("to", str, required=False, many=True)],
        responses={200: s.ComparisonPreviewOutput(many=True), 404: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: str) -> Response:
        case = read_services.case_read(actor=request.user, pk=_pk(pk))
        wanted = [c for c in request.query_params.getlist("to") if c in s.COUNTRIES]
        countries = wanted or [c for c in s.COUNTRIES if c != settings.NODE_COUNTRY]
        rows = selectors.comparison_previews(case, countries)
        return Response(s.ComparisonPreviewOutput(rows, many=True).data)


class CaseUpdateApi(APIView):
    @extend_schema(request=s.CaseUpdateInput, responses={202: OpenApiTypes.OBJECT, **ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        case = read_services.case_read(actor=request.user, pk=_pk(pk))
        _worker(request)
        data = s.CaseUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        note = changes.pop("note", "")
        sent = _call(
            services.case_update, actor=request.user, case=case, changes=changes, note=note
        )
        return Response({"threads": sent}, status=status.HTTP_202_ACCEPTED)


class CaseRequestApi(APIView):
    @extend_schema(request=s.RequestInput, responses={202: s.RequestOutput, **ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        case = read_services.case_read(actor=request.user, pk=_pk(pk))
        _worker(request)
        data = s.RequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data.get("country"):
            raise ValidationError({"country": ["required for a request about our case"]})
        req = _call(services.request_send, actor=request.user, case=case, **data.validated_data)
        return Response(s.RequestOutput(req).data, status=status.HTTP_202_ACCEPTED)


def _inbound_out(item: InboundItem) -> dict[str, Any]:
    return {
        **{
            f: getattr(item, f)
            for f in (
                "id",
                "kind",
                "envelope_id",
                "thread",
                "handling",
                "ref",
                "title",
                "text",
                "body",
                "urgency",
                "request_kind",
                "due_by",
                "status",
                "unit",
                "received_at",
                "receipt",
                "comparison",
                "updates",
            )
        },
        "origin": {"country": item.origin, "verified": True, "key_id": item.key_id},
        "assigned_to": item.assigned_to.get_username() if item.assigned_to else None,
        "indicators": list(item.indicators.all()),
        "hits": [
            {
                "kind": h.kind,
                "value": h.value,
                "case_reference": h.case.reference if h.case else None,
                "takedown_ref": h.takedown.request_ref if h.takedown else None,
            }
            for h in item.hits.select_related("case", "takedown")
        ],
        "targets": list(item.targets.all()),
    }


class InboundListApi(APIView):
    filterset_class = InboundFilter

    @extend_schema(
        parameters=lists.schema_parameters(InboundFilter),
        responses={200: s.InboundListPage, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        params = lists.filter_params(request.query_params, InboundFilter)
        qs = lists.api_filtered(
            request, read_services.inbound_list_read(actor=request.user, filters=params), self
        )
        out = s.InboundMetaOutput if access.is_auditor(request.user) else s.InboundListOutput
        return _page(request, self, qs, out)


class InboundDetailApi(APIView):
    @extend_schema(responses={200: s.InboundOutput, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: str) -> Response:
        item = read_services.inbound_read(actor=request.user, pk=_pk(pk))
        return Response(s.InboundOutput(_inbound_out(item)).data)


class InboundAssignApi(APIView):
    @extend_schema(request=s.AssignInput, responses={200: s.InboundOutput, **ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        item = read_services.inbound_read(actor=request.user, pk=_pk(pk))
        _coordinator(request)
        data = s.AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = None
        if data.validated_data.get("username"):
            user = (
                get_user_model()
                .objects.filter(username=data.validated_data["username"], is_active=True)
                .first()
            )
            if user is None:
                raise ValidationError({"username": [_("No such active user.")]})
        _call(
            services.inbound_assign,
            actor=request.user,
            item=item,
            user=user,
            unit=data.validated_data["unit"],
        )
        item.refresh_from_db()
        return Response(s.InboundOutput(_inbound_out(item)).data)


class InboundRequestApi(APIView):
    """A request back to the origin of a received notification, on its thread."""

    @extend_schema(request=s.RequestInput, responses={202: s.RequestOutput, **ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        item = read_services.inbound_read(actor=request.user, pk=_pk(pk))
        data = s.RequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("country", None)
        req = _call(services.request_send, actor=request.user, inbound=item, **fields)
        return Response(s.RequestOutput(req).data, status=status.HTTP_202_ACCEPTED)


class InboundRespondApi(APIView):
    @extend_schema(request=s.ResponseInput, responses={202: s.EnvelopeOutput, **ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        item = read_services.inbound_read(actor=request.user, pk=_pk(pk))
        data = s.ResponseInput(data=request.data)
        data.is_valid(raise_exception=True)
        envelope_id = _call(
            services.response_send, actor=request.user, item=item, **data.validated_data
        )
        return Response({"envelope_id": envelope_id}, status=status.HTTP_202_ACCEPTED)


class InboundForwardApi(APIView):
    @extend_schema(request=s.ForwardInput, responses={202: s.NotifyOutput, **ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        item = read_services.inbound_read(actor=request.user, pk=_pk(pk))
        _coordinator(request)
        data = s.ForwardInput(data=request.data)
        data.is_valid(raise_exception=True)
        rows = _call(services.inbound_forward, actor=request.user, item=item, **data.validated_data)
        out = {"envelope_id": rows[0].envelope_id, "to": [r.country for r in rows]}
        return Response(s.NotifyOutput(out).data, status=status.HTTP_202_ACCEPTED)


class InboundTakedownStatusApi(APIView):
    """The receiver's decision on one target of a received takedown request."""

    @extend_schema(request=s.TakedownStatusInput, responses={202: s.EnvelopeOutput, **ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        item = read_services.inbound_read(actor=request.user, pk=_pk(pk))
        data = s.TakedownStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        envelope_id = _call(
            takedowns.takedown_status_report, actor=request.user, item=item, **data.validated_data
        )
        return Response({"envelope_id": envelope_id}, status=status.HTTP_202_ACCEPTED)


class RequestListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, required=False)],
        responses={200: s.RequestListPage},
    )
    def get(self, request: Request) -> Response:
        _worker(request)
        params = {k: v for k, v in _filters(request, "status").items() if v}
        qs = read_services.request_list_read(actor=request.user, filters=params)
        wanted = params.get("status", "")
        if wanted:
            qs = qs.filter(status=wanted)
        return _page(request, self, qs.order_by("-sent_at", "-id"), s.RequestOutput)


class RequestDetailApi(APIView):
    @extend_schema(responses={200: s.RequestOutput, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: str) -> Response:
        req = read_services.request_read(actor=request.user, pk=_pk(pk))
        return Response(s.RequestOutput(req).data)


class TakedownListCreateApi(APIView):
    filterset_class = TakedownFilter  # the board's FilterSet (cases.takedown_forms)

    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=False) for name in TakedownFilter.base_filters
        ],
        responses={200: s.TakedownListPage, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        _worker(request)
        params = lists.filter_params(request.query_params, TakedownFilter)
        qs = read_services.takedown_list_read(actor=request.user, filters=params)
        qs = DjangoFilterBackend().filter_queryset(request, qs.select_related("mirror_of"), self)
        return _page(request, self, qs.order_by("-created_at", "-id"), s.TakedownListOutput)

    @extend_schema(request=s.TakedownCreateInput, responses={201: s.TakedownOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        _coordinator(request)
        data = s.TakedownCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "all" in fields["to"]:
            fields["to"] = [c for c in s.COUNTRIES if c != settings.NODE_COUNTRY]
        takedown = _call(takedowns.takedown_create, actor=request.user, **fields)
        return Response(s.TakedownOutput(_takedown_out(takedown)).data, status=201)


def _takedown_out(t: Takedown) -> Any:
    t.board = takedowns.board(t)  # type: ignore[attr-defined]
    return t


class TakedownDetailApi(APIView):
    @extend_schema(responses={200: s.TakedownOutput, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: str) -> Response:
        takedown = read_services.takedown_read(actor=request.user, pk=_pk(pk))
        return Response(s.TakedownOutput(_takedown_out(takedown)).data)


class TakedownStatisticsApi(APIView):
    @extend_schema(responses={200: s.StatisticsOutput})
    def get(self, request: Request) -> Response:
        _worker(request)
        return Response(s.StatisticsOutput(takedowns.statistics_figures()).data)


class ProposalListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, required=False)],
        responses={200: s.ProposalListPage},
    )
    def get(self, request: Request) -> Response:
        _worker(request)
        params = {k: v for k, v in _filters(request, "status").items() if v}
        qs = read_services.proposal_list_read(actor=request.user, filters=params)
        wanted = params.get("status", "")
        if wanted:
            qs = qs.filter(status=wanted)
        return _page(request, self, qs, s.ProposalOutput)


class ProposalJoinApi(APIView):
    @extend_schema(request=None, responses={201: s.TakedownOutput, **ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        _coordinator(request)
        proposal: MirrorProposal = get_object_or_404(
            selectors.proposals_for(request.user), pk=_pk(pk)
        )
        mirror = _call(takedowns.mirror_join, actor=request.user, proposal=proposal)
        return Response(s.TakedownOutput(_takedown_out(mirror)).data, status=201)


class ThreadApi(APIView):
    """The whole conversation of a thread, both directions, with receipts and acks."""

    @extend_schema(responses={200: s.ThreadOutput, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, thread: Any) -> Response:
        thread = str(thread)
        view = read_services.thread_read(actor=request.user, thread=thread)
        messages = [_message_out(m) for m in view["messages"]]
        return Response(
            s.ThreadOutput({"thread": thread, "messages": messages, "acks": view["acks"]}).data
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _message_out(message: dict[str, Any]) -> dict[str, Any]:
    """A message of `exchange.selectors.thread_messages` with its times as ISO 8601 text."""
    out = {**message, "at": _iso(message["at"])}
    if "deliveries" in message:
        out["deliveries"] = [
            {**d, "delivered_at": _iso(d["delivered_at"])} for d in message["deliveries"]
        ]
    return out


class CaseExportApi(APIView):
    """A case with everything said about it, as one JSON document (audited as export)."""

    @extend_schema(responses={200: s.CaseExportOutput, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: str) -> Response:
        case = read_services.case_export(actor=request.user, pk=_pk(pk))
        return Response(
            {
                "case": s.CaseOutput(case).data,
                "requests": s.RequestOutput(case.requests.all(), many=True).data,
                "received": s.InboundListOutput(case.inbound.all(), many=True).data,
            }
        )


# --- Private match (issue 22) -------------------------------------------------------------


def _match_rows(case: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": q.pk,
            "peer": q.peer,
            "state": q.state,
            "items": len(q.items),
            "hits": q.hits,
            "created_at": q.created_at,
            "answered_at": q.answered_at,
        }
        for q in case.match_queries.all()
    ]


class CaseMatchApi(APIView):
    """Ask peers privately which of the case's indicators they hold; list the answers."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: str) -> Response:
        case = read_services.case_read(actor=request.user, pk=_pk(pk))
        _worker(request)
        return Response(_match_rows(case))

    @extend_schema(request=OpenApiTypes.OBJECT, responses={202: OpenApiTypes.OBJECT, **ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        case = read_services.case_read(actor=request.user, pk=_pk(pk))
        _worker(request)
        wanted = request.data.get("to") if isinstance(request.data, dict) else None
        others = private_match.peers()
        if wanted is None:
            peers = others
        elif isinstance(wanted, list) and wanted and all(c in others for c in wanted):
            peers = list(wanted)
        else:
            raise ValidationError({"to": "a list of enrolled peer countries"})
        try:
            private_match.match_ask(actor=request.user, case=case, peers=peers)
        except IndicatorError as exc:
            raise ValidationError({"indicators": str(exc)}) from exc
        return Response(_match_rows(case), status=status.HTTP_202_ACCEPTED)
