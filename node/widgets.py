"""A day typed one way on every page, whatever the browser's locale.

Chromium draws `<input type="date">` in its own locale, not the page's: mm/dd/yyyy in an
English browser, dd.mm.yyyy in a Russian one, so 03/04 reads two ways and a Russian page
shows an American field. A text field in ISO order (2026-12-07) reads one way; the
expected format is written beside it (and named by `aria-describedby`, so a screen
reader says it too), a `pattern` lets the browser point at a mistyped day, and the form
field parses ISO dates (Django always accepts them) besides the language's own format.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

ISO_DAY = "%Y-%m-%d"
ISO_PATTERN = r"\d{4}-\d{2}-\d{2}"
# Shown beside the field (and as its title, which a browser names when the pattern fails);
# the letters are the reader's.
FORMAT_HINT = _("YYYY-MM-DD")


class IsoDateInput(forms.DateInput):
    input_type = "text"
    template_name = "node/widgets/iso_date.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {"inputmode": "numeric", "pattern": ISO_PATTERN, "maxlength": "10",
                "autocomplete": "off", "size": "10"}  # fmt: skip
        super().__init__({**base, **(attrs or {})}, format=ISO_DAY)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        hint_id = f"{widget['attrs'].get('id') or name}_format"
        described = widget["attrs"].get("aria-describedby", "")
        widget["attrs"]["aria-describedby"] = f"{described} {hint_id}".strip()
        widget["attrs"]["title"] = str(FORMAT_HINT)
        widget["format_id"], widget["format_hint"] = hint_id, str(FORMAT_HINT)
        return context
