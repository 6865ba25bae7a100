"""E-mail through Django's e-mail backend (SMTP in production, EMAIL_TIMEOUT seconds)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from alerts.channels.base import Channel, PageMessage
from alerts.errors import AlertsError


class EmailChannel(Channel):
    kind = "email"

    def validate(self, target: str) -> None:
        try:
            validate_email(target)
        except ValidationError:
            raise AlertsError("target", _("an e-mail address")) from None

    def send(self, message: PageMessage) -> None:
        # The subject is already one line (message.clean_line): a CR or LF would make
        # Django refuse the whole message (BadHeaderError) and the page would never leave.
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.target])
