"""Property-based API test of the legal-map endpoints: no 5xx, answers match the schema."""

from typing import Any

import pytest

from tests.api_fuzz import fuzz_api
from tests.factories import bearer, user

pytestmark = pytest.mark.django_db(transaction=True)


def test_legal_map_api_has_no_server_errors(live_server: Any) -> None:
    header = bearer(user("lm-st", "prosecutor"))
    fuzz_api(
        live_server.url,
        {"Authorization": header["HTTP_AUTHORIZATION"]},
        r"^/api/v1/legal-map/",
        examples=25,
        at_least=4,
    )
