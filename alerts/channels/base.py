"""What every delivery channel is: a kind, a check of its target, a way to send.

A channel sends one `PageMessage` (already composed in the recipient's language, see
`alerts.channels.message`) and raises on any failure; `alerts.delivery` owns the state
machine around it (claim, retry with back-off, give up, audit). `validate` runs when a
person's channel is added (`alerts.services.channel_add`), so a target that can never
work is refused then, not discovered at 3 a.m.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, TypedDict


class WebhookPayload(TypedDict):
    """The JSON a webhook receives (an SMS or Telegram gateway reads `text` or builds its
    own from the fields). The first eleven keys are the original ones; keep them."""

    node: str
    alert: int
    kind: str
    title: str
    summary: str
    urgency: str
    origin: str
    created_at: str
    step: int
    repeat: int
    delivery: int
    url: str
    kind_label: str
    urgency_label: str
    count: int
    text: str


@dataclass(frozen=True)
class PageMessage:
    """One page to one target: subject and body for people, the payload for machines."""

    target: str
    subject: str
    body: str
    payload: WebhookPayload


class Channel(ABC):
    kind: ClassVar[str]

    @abstractmethod
    def validate(self, target: str) -> None:
        """Raise `alerts.errors.AlertsError("target", ...)` for a target that cannot work."""

    @abstractmethod
    def send(self, message: PageMessage) -> None:
        """Send now, with a timeout; raise on any failure (the delivery retries)."""
