"""A JSON POST to a URL (an SMS or Telegram gateway, a chat bot); 2xx is success."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from django.utils.translation import gettext as _

from alerts.channels.base import Channel, PageMessage
from alerts.errors import AlertsError

TIMEOUT = 5.0


class WebhookChannel(Channel):
    kind = "webhook"

    def validate(self, target: str) -> None:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AlertsError("target", _("an http(s) URL"))

    def send(self, message: PageMessage) -> None:
        response = httpx.post(message.target, json=message.payload, timeout=TIMEOUT)
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"webhook answered {response.status_code}")
