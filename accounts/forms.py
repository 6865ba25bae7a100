"""Forms of the login steps and the account page (labels and errors are translated)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import TokenScope

# What the page offers; accounts.services bounds any expiry to TOKEN_MAX_DAYS.
TOKEN_DAYS_CHOICES = (7, 30, 90, 180, 365)


def _days_choices() -> list[tuple[str, str]]:
    """Called per form (in the request's language), not at import."""
    return [
        (str(days), ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
        for days in TOKEN_DAYS_CHOICES
    ]


class LoginForm(AuthenticationForm):
    """Username and password; axes watches every authenticate() call it makes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.error_messages["invalid_login"] = _(
            "Wrong username or password. After several failures the account is locked."
        )


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        help_text=_("A code works only during its own 30 seconds and only once."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        if not code.isdigit():
            raise forms.ValidationError(_("Enter the six digits of the code."))
        return code


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. the script or system that will use it."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text=_("A read-only token is refused anything that changes data."),
    )
    expires_days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        choices=_days_choices,
        initial="90",
    )


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's form (old password, then the new one twice through the validators),
    with the project's labels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password1"].help_text = _(
            "At least 12 characters; not a common password, not only digits, "
            "not like your username."
        )
        self.error_messages["password_incorrect"] = _("The current password is wrong.")
        self.error_messages["password_mismatch"] = _("The two new passwords differ.")
