"""Peer and key states in words on the peers page (never `failing` or `distrusted`)."""

from __future__ import annotations

from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

register = template.Library()

PEER_STATES: dict[str, Promise] = {
    "ok": _("working"),
    "failing": _("deliveries failing"),
    "silent": _("not heard from"),
    "inactive": _("exchange stopped"),
}
KEY_STATES: dict[str, Promise] = {
    "trusted": _("trusted"),
    "expired": _("expired"),
    "untrusted": _("no longer trusted"),
    "distrusted": _("distrusted for good"),
}


@register.filter
def peer_state(state: str) -> str:
    return str(PEER_STATES.get(state, state))


@register.filter
def key_state(state: str) -> str:
    return str(KEY_STATES.get(state, state))
