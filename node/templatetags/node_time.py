"""Times with their zone, ages in words and country names for every page.

`{{ at|zoned }}` gives "2026-12-04 22:41 Алматы, UTC+5" in the node's zone;
`{{ at|zoned:"MD" }}` the same instant on the sender's clock; `{{ at|age }}` "12 мин".
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from node import places

register = template.Library()


def _zoned(at: datetime | None, country: str, pattern: str) -> str:
    if not at:
        return "—"
    zone = places.zone_of(country or None)
    return f"{date_format(at.astimezone(zone), pattern)} {places.zone_label(at, zone)}"


@register.filter
def zoned(at: datetime | None, country: str = "") -> str:
    return _zoned(at, country, "Y-m-d H:i")


@register.filter
def zoned_seconds(at: datetime | None, country: str = "") -> str:
    return _zoned(at, country, "Y-m-d H:i:s")


def duration_words(seconds: float) -> str:
    """'45 s', '12 min', '3 h 5 min', '2 d 4 h' in the active language."""
    seconds = max(0, int(seconds))
    if seconds == 0:  # "0 s ago" reads like a fault
        return _("under a second")
    if seconds < 60:
        return _("%(n)d s") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if minutes:
            return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
        return _("%(h)d h") % {"h": hours}
    days, hours = divmod(hours, 24)
    return ngettext("%(d)d day %(h)d h", "%(d)d days %(h)d h", days) % {"d": days, "h": hours}


@register.filter
def age(at: datetime | None) -> str:
    """How long ago, in words: '12 min'."""
    if not at:
        return ""
    return duration_words((timezone.now() - at).total_seconds())


@register.filter
def until(at: datetime | None) -> str:
    """How long from now, in words ('in 4 min' is written by the template)."""
    if not at:
        return ""
    return duration_words((at - timezone.now()).total_seconds())


@register.filter
def country(code: str) -> str:
    return places.country_name(code or "")


@register.simple_tag
def node_zone_label() -> str:
    zone = places.zone_of(None)
    return places.zone_label(timezone.now(), zone)
