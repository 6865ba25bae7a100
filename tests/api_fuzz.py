"""Schemathesis over the live server's /api/schema/: every operation of a part of the API,
driven through its Python API (its pytest plugin, from_fixture, does not run under
pytest 9 here), one derandomised Hypothesis run per operation. No answer may be a 5xx,
and every documented answer must match its schema and content type."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def fuzz_api(
    url: str, auth: dict[str, str], path_regex: str, *, examples: int, at_least: int
) -> None:
    """Run the operations whose path matches `path_regex` (at least `at_least` of them,
    so that a schema that lost its paths cannot pass empty) with `examples` cases each."""
    schema = schemathesis.openapi.from_url(f"{url}/api/schema/", headers=auth)
    found: list[Any] = list(schema.include(path_regex=path_regex).get_all_operations())
    operations = [result.ok() for result in found]
    assert len(operations) >= at_least, [o.label for o in operations]
    for operation in operations:

        @given(case=operation.as_strategy())
        @hsettings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=auth, checks=CHECKS)

        run()
