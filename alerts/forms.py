"""The history page's filters: parsed and validated by a form, not by hand."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from alerts.models import AlertState, Urgency
from node.places import country_name


class HistoryForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    origin = forms.ChoiceField(label=_("Origin"), required=False)
    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    until = forms.DateField(label=_("To"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from alerts.labels import KIND_LABELS

        super().__init__(*args, **kwargs)
        anything: list[tuple[str, Any]] = [("", _("any"))]
        choices = {
            "state": anything + list(AlertState.choices),
            "urgency": anything + list(Urgency.choices),
            "kind": anything + list(KIND_LABELS.items()),
            "origin": anything
            + [(code, country_name(code)) for code in sorted(settings.COUNTRY_TIME_ZONES)],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options
