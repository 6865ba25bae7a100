"""WebSocket routes of the alerts app (net247/routing.py collects them)."""

from typing import Any

from django.urls import path

from alerts.consumers import AlertConsumer

websocket_urlpatterns: list[Any] = [path("ws/alerts/", AlertConsumer.as_asgi())]
