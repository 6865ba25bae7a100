"""Forms of the peers page: they parse and label; `exchange.services` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from exchange.services import PinnedKey
from node.places import country_name


class PeerAddForm(forms.Form):
    """What `peer add` takes: country, address, the key(s) the coordinators compared."""

    country = forms.ChoiceField(label=_("Country"))
    url = forms.CharField(
        label=_("Address of its node"),
        max_length=300,
        help_text=_("For example https://net247.prokuratura.kz"),
    )
    keys = forms.CharField(
        label=_("Public keys"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "One a line, as its coordinator gives it: KZ:2026-11a=<public key>. Compare each "
            "fingerprint with them by telephone after saving."
        ),
    )
    replace_keys = forms.BooleanField(
        label=_("Stop trusting every other key of this country (re-enrolment after a compromise)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["country"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [
            (code, f"{country_name(code)} ({code})")
            for code in sorted(settings.COUNTRY_TIME_ZONES)
            if code != settings.NODE_COUNTRY
        ]

    def clean_keys(self) -> list[PinnedKey]:
        keys = []
        for number, line in enumerate(self.cleaned_data["keys"].splitlines(), start=1):
            if not line.strip():
                continue
            key_id, sep, public_key = line.strip().partition("=")
            if not sep or not key_id.strip() or not public_key.strip():
                raise ValidationError(
                    _("Line %(n)d: write COUNTRY:LABEL=<public key>."), params={"n": number}
                )
            keys.append(PinnedKey(key_id.strip(), public_key.strip()))
        if not keys:
            raise ValidationError(_("Pin at least one key."))
        return keys

    def add_service_errors(self, exc: ValidationError) -> None:
        names = {"key": "keys", "key_id": "keys"}
        for field, errors in exc.message_dict.items():
            name = names.get(field, field)
            for error in errors:
                self.add_error(name if name in self.fields else None, error)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the audit log)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
