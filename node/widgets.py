"""Days, and days with a time, typed one way on every page, whatever the browser's locale.

Chromium draws `<input type="date">` and `"datetime-local"` in its own locale, not the
page's: mm/dd/yyyy in an English browser, dd.mm.yyyy in a Russian one, so 03/04 reads two
ways and a Russian page shows an American field. A text field in ISO order (2026-12-07,
2026-12-07 22:41) reads one way; the expected format (and for a time, the node's zone it
is read in) is written beside it and named by `aria-describedby`, so a screen reader says
it too; a `pattern` lets the browser point at a mistyped value, and the form field parses
ISO (Django always accepts it) besides the language's own format.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.widgets import DateTimeBaseInput
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from node import places

ISO_DAY = "%Y-%m-%d"
ISO_PATTERN = r"\d{4}-\d{2}-\d{2}"
ISO_MINUTE = "%Y-%m-%d %H:%M"
ISO_MINUTE_PATTERN = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"
# Russian pages also take the Russian order (Django's ru DATETIME_INPUT_FORMATS).
RU_MINUTE_PATTERN = r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}"
# Shown beside the field (and as its title, which a browser names when the pattern fails);
# the letters are the reader's.
FORMAT_HINT = _("YYYY-MM-DD")
MINUTE_HINT = _("YYYY-MM-DD HH:MM")


class IsoInput(DateTimeBaseInput):
    """A text field with its format beside it; the subclasses say which format."""

    input_type: str = "text"
    template_name: str = "node/widgets/iso_date.html"
    iso_format = ISO_DAY
    width = "10"  # characters of the format

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        width = self.width
        base = {"inputmode": "numeric", "maxlength": width, "autocomplete": "off", "size": width}
        super().__init__({**base, **(attrs or {})}, format=self.iso_format)

    def pattern(self) -> str:
        return ISO_PATTERN

    def hint(self) -> str:
        return str(FORMAT_HINT)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        hint_id = f"{widget['attrs'].get('id') or name}_format"
        described = widget["attrs"].get("aria-describedby", "")
        widget["attrs"]["aria-describedby"] = f"{described} {hint_id}".strip()
        widget["attrs"].setdefault("pattern", self.pattern())
        hint = self.hint()
        widget["attrs"]["title"] = hint
        widget["format_id"], widget["format_hint"] = hint_id, hint
        return context


class IsoDateInput(IsoInput, forms.DateInput):
    """A day: 2026-12-07."""


class IsoDateTimeInput(IsoInput, forms.DateTimeInput):
    """A minute on the node's clock: 2026-12-07 22:41 (or 2026-12-07T22:41; on a Russian
    page 07.12.2026 22:41 too). The zone is said beside it: the form reads it there."""

    iso_format = ISO_MINUTE
    width = "16"

    def pattern(self) -> str:
        if (get_language() or "").startswith("ru"):
            return f"{ISO_MINUTE_PATTERN}|{RU_MINUTE_PATTERN}"
        return ISO_MINUTE_PATTERN

    def hint(self) -> str:
        zone = places.zone_time(timezone.now(), places.zone_of(None))
        return f"{MINUTE_HINT}, {zone}"
