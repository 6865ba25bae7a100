"""Who am I: the smallest endpoint that proves Bearer and session authentication."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer[object]):
        username = serializers.CharField()
        role = serializers.CharField()
        unit = serializers.CharField()

    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)
