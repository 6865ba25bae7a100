"""Channel kinds known to this node. An unknown kind is never guessed at: `get` raises.

`alerts.services.channel_add` refuses a kind that is not registered; a stored channel
of an unknown kind (written by hand, or left by a channel since removed) makes its
delivery fail at once, audited, and is never sent through some other channel.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from alerts.channels.base import Channel
from alerts.errors import AlertsError

_channels: dict[str, Channel] = {}


class UnknownChannel(AlertsError):
    """No channel is registered for this kind."""


def register(channel: Channel) -> None:
    """Add a channel kind; a second registration of a kind replaces the first."""
    _channels[channel.kind] = channel


def get(kind: str) -> Channel:
    channel = _channels.get(kind)
    if channel is None:
        known = ", ".join(sorted(_channels))
        raise UnknownChannel(
            "kind",
            _('unknown channel kind "%(kind)s" (one of: %(known)s)')
            % {"kind": kind, "known": known},
        )
    return channel


def kinds() -> list[str]:
    return sorted(_channels)
