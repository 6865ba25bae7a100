"""WebSocket routes of every app."""

from typing import Any

from alerts.routing import websocket_urlpatterns as alert_routes

websocket_urlpatterns: list[Any] = [*alert_routes]
