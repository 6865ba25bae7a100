"""The one base of every refused domain action: a page shows it next to its field, the
API answers 400 with it under the field's name (net247.api.exception_handler).

Each app's error (cases' ServiceError, alerts' AlertsError, legal_map's LegalMapError,
accounts' AccountError) derives from it, so a view or an API endpoint needs to know only
this class. The message is for people: written through gettext, in the active language.
"""

from __future__ import annotations

from django.utils.functional import Promise

NON_FIELD = "non_field_errors"


class ServiceError(ValueError):
    """A refused action; `field` names the input at fault ("" when none is)."""

    def __init__(self, field: str, message: str | Promise) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = str(message)

    def as_dict(self) -> dict[str, list[str]]:
        """{field: [message]}, the shape of DRF's and Django forms' field errors."""
        return {self.field or NON_FIELD: [self.message]}
