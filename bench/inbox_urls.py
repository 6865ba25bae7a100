"""Bench-only URLs: everything of the node plus POST /bench/bare (a bare DRF endpoint).

Never part of production URLs: only bench/inbox_settings.py points here.
"""

from typing import Any

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from net247.urls import urlpatterns as node_urlpatterns


class BareView(APIView):
    """Parses the JSON body and answers 202: the floor any endpoint on this stack pays."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        return Response({"ok": True, "members": len(request.data)}, status=202)


urlpatterns = [path("bench/bare", BareView.as_view()), *node_urlpatterns]
