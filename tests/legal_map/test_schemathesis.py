"""Property-based API test of the legal-map endpoints: no 5xx, answers match the schema."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from accounts import services as accounts
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def test_legal_map_api_has_no_server_errors(live_server: Any) -> None:
    _token, secret = accounts.token_create(user=factories.user("lm-st", "prosecutor"), name="st")
    auth = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", headers=auth)
    found: list[Any] = list(schema.include(path_regex=r"^/api/v1/legal-map/").get_all_operations())
    operations = [r.ok() for r in found]
    assert len(operations) >= 4
    for operation in operations:

        @given(case=operation.as_strategy())
        @hsettings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=auth, checks=CHECKS)

        run()
