"""The form under the auditor's FilterSet (`audit.filters.AuditFilter`, `Meta.form`):
checks across fields; the fields themselves come from the filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from node.widgets import IsoDateTimeInput

DATETIME_INPUT = IsoDateTimeInput()


class FilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("since", "until"):
            value = data.get(name)
            if value is not None and not 1970 <= value.year <= 9998:
                # Year 1 in UTC+5 is before year 1 in UTC: the database cannot hold it.
                self.add_error(name, _("Enter a date between 1970 and 9998."))  # drops it
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            raise forms.ValidationError(_("The start must be before the end."))
        return data
