"""Delivery channels behind one interface (`base.Channel`), looked up by kind.

The two channels of this node are registered here, where the package is imported, so
that any code that reaches the registry finds them; a new kind (SMS through a provider's
API, say) is a module with a `Channel` subclass and one `register` line below.
"""

from __future__ import annotations

from alerts.channels.base import Channel, PageMessage, WebhookPayload
from alerts.channels.email import EmailChannel
from alerts.channels.registry import UnknownChannel, get, kinds, register
from alerts.channels.webhook import WebhookChannel

register(EmailChannel())
register(WebhookChannel())

__all__ = [
    "Channel",
    "PageMessage",
    "UnknownChannel",
    "WebhookPayload",
    "get",
    "kinds",
    "register",
]
