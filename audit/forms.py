"""The auditor's filter form (GET); its cleaned data are `selectors.Filters`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FilterForm(forms.Form):
    since = forms.DateTimeField(label=_("From"), required=False, widget=DATETIME_INPUT)
    until = forms.DateTimeField(label=_("Until"), required=False, widget=DATETIME_INPUT)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        help_text=_("Exact name or its beginning, for example:"),
    )
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=128)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        for name in ("since", "until"):
            value = data.get(name)
            if value is not None and not 1970 <= value.year <= 9998:
                # Year 1 in UTC+5 is before year 1 in UTC: the database cannot hold it.
                self.add_error(name, _("Enter a date between 1970 and 9998."))  # drops it
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            raise forms.ValidationError(_("The start must be before the end."))
        return data
