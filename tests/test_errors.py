"""One error base for every app's refusals and one API handler for them (issue 19, 9)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation

from accounts.services import AccountError
from alerts.errors import AlertsError
from cases.services import ServiceError as CaseError
from legal_map.services import LegalMapError
from net247.api import exception_handler
from node.errors import ServiceError


def test_every_apps_error_is_a_service_error() -> None:
    for error in (AlertsError("urgency", "x"), CaseError("to", "x"), LegalMapError("facts", "x")):
        assert isinstance(error, ServiceError) and error.as_dict() == {error.field: ["x"]}
    assert AccountError("no such token").as_dict() == {"non_field_errors": ["no such token"]}


def test_the_api_answers_400_under_the_field_in_the_readers_language() -> None:
    with translation.override("ru"):
        from django.utils.translation import gettext as _

        answer = exception_handler(CaseError("handling", _("Routine")), {})
    assert answer is not None and answer.status_code == 400
    assert answer.data == {"handling": ["В обычном порядке"]}
    answer = exception_handler(DjangoValidationError({"to": ["not an enrolled peer"]}), {})
    assert answer is not None and answer.status_code == 400
    assert answer.data == {"to": ["not an enrolled peer"]}
    answer = exception_handler(DjangoValidationError("bad"), {})
    assert answer is not None and answer.data == {"non_field_errors": ["bad"]}
