"""Countries of the federation and their time zones, in the reader's language.

Every time a page shows is in a named zone ("22:41 Алматы, UTC+5"): a prosecutor in
Chisinau reading an alert raised in Almaty must never have to guess which clock it is.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COUNTRY_NAMES: dict[str, Promise] = {
    "KZ": _("Kazakhstan"),
    "KG": _("Kyrgyzstan"),
    "UZ": _("Uzbekistan"),
    "TJ": _("Tajikistan"),
    "MD": _("Moldova"),
}
ZONE_CITIES: dict[str, Promise] = {
    "Asia/Almaty": _("Almaty"),
    "Asia/Bishkek": _("Bishkek"),
    "Asia/Tashkent": _("Tashkent"),
    "Asia/Dushanbe": _("Dushanbe"),
    "Europe/Chisinau": _("Chisinau"),
    "UTC": _("UTC"),
}
# "Almaty time": its own phrase, not "%(city)s time", since Russian puts the city in the
# genitive ("время Бишкека").
ZONE_TIMES: dict[str, Promise] = {
    "Asia/Almaty": _("Almaty time"),
    "Asia/Bishkek": _("Bishkek time"),
    "Asia/Tashkent": _("Tashkent time"),
    "Asia/Dushanbe": _("Dushanbe time"),
    "Europe/Chisinau": _("Chisinau time"),
}


def country_name(code: str) -> str:
    """The country's name, or the code itself for one outside the federation."""
    name = COUNTRY_NAMES.get(code.upper()) if code else None
    return str(name) if name is not None else code


def zone_of(country: str | None = None) -> ZoneInfo:
    """The zone of a country of the federation (this node's when None)."""
    zones: dict[str, str] = settings.COUNTRY_TIME_ZONES
    name = zones.get((country or "").upper()) or settings.TIME_ZONE
    return ZoneInfo(name)


def utc_offset(at: datetime) -> str:
    """'UTC+5', 'UTC+2', 'UTC+5:30' of an aware datetime in its own zone."""
    offset = at.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(at: datetime, zone: ZoneInfo) -> str:
    """'Almaty, UTC+5' for an instant in a zone (the offset of that instant: DST)."""
    local = at.astimezone(zone)
    city = ZONE_CITIES.get(str(zone.key))
    return f"{city if city is not None else zone.key}, {utc_offset(local)}"


def zone_time(at: datetime, zone: ZoneInfo) -> str:
    """'Almaty time (UTC+5)': which clock a typed time is read on (the offset at `at`)."""
    name = ZONE_TIMES.get(str(zone.key))
    offset = utc_offset(at.astimezone(zone))
    if name is None:  # UTC, or a zone outside the federation: its name says it
        return offset if str(zone.key) == "UTC" else f"{zone.key} ({offset})"
    return f"{name} ({offset})"


def local(at: datetime, country: str | None = None) -> datetime:
    return timezone.localtime(at, zone_of(country))
