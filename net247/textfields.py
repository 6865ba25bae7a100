"""API text fields that refuse control characters, so what a user types reaches pages,
e-mail subjects and peers as it was shown to them (no hidden line breaks or escapes).

`LineField`: one line (titles, names): no control character at all.
`TextField`: free text (summaries, notes): line breaks and tabs allowed, nothing else.
NUL and lone surrogates are refused by DRF's CharField already.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# C0 controls, DEL, C1 controls, and the bidirectional overrides that reorder text.
_LINE_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_TEXT_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class LineField(serializers.CharField):
    default_error_messages = {"control": _("Control characters are not allowed here.")}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if _LINE_BAD.search(value):
            self.fail("control")
        return value


class TextField(serializers.CharField):
    default_error_messages = {
        "control": _("Control characters other than line breaks and tabs are not allowed.")
    }

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if _TEXT_BAD.search(value):
            self.fail("control")
        return value
