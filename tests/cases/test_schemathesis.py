"""Property-based API test: Schemathesis drives every cases endpoint from /api/schema/
against a live server with a coordinator's Bearer token. No answer may be a 5xx and every
documented answer must match its schema. Run on PostgreSQL in CI, where a NUL byte that
slipped through would reach the database and fail."""

from typing import Any

import pytest

from tests.api_fuzz import fuzz_api
from tests.factories import bearer, user

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_server_error_no_schema_violation(live_server: Any) -> None:
    header = bearer(user("st-coord", "coordinator", "hq"))
    fuzz_api(
        live_server.url,
        {"Authorization": header["HTTP_AUTHORIZATION"]},
        r"^/api/v1/(cases|inbound|requests|takedowns|mirror-proposals|threads)",
        examples=12,
        at_least=20,
    )
