"""Bad input gets a clear 4xx, never a 500 (issue 17, problem 9): huge page limits and
offsets, JSON nested past the recursion limit, dates the database cannot hold."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.accounts.helpers import create_user, verified_client
from tests.factories import bearer

pytestmark = pytest.mark.django_db


def api(role: str = "coordinator") -> APIClient:
    client = APIClient()
    client.credentials(**bearer(create_user(f"bad.{role}", role)))
    return client


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/inbound/", "/api/v1/alerts/"])
@pytest.mark.parametrize("query", ["limit=99999999999999999999", "offset=99999999999999999999"])
def test_huge_limits_and_offsets_are_cut(path: str, query: str) -> None:
    response = api().get(f"{path}?{query}")
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) <= 500


def test_deeply_nested_json_is_a_400() -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = api().post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.content.decode()


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31 23:59"])
def test_audit_dates_the_database_cannot_hold_are_a_form_error(value: Any) -> None:
    auditor = verified_client(Client(), create_user("bad.auditor", "auditor"))
    for name in ("since", "until"):
        page = auditor.get("/audit/", {name: value})
        assert page.status_code == 200
        assert "1970" in page.content.decode()


@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema/ui/"])
def test_the_api_schema_is_for_signed_in_users(path: str) -> None:
    """Issue 17, posture: the schema and its UI were public."""
    assert APIClient().get(path).status_code in (401, 403)
    assert api("prosecutor").get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/takedowns/"])
def test_an_oversized_api_body_is_a_413_in_json(path: str) -> None:
    body = '{"title": "' + "x" * (3 * 1024 * 1024) + '"}'
    response = api().post(path, body, content_type="application/json")
    assert response.status_code == 413, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert "too large" in response.json()["detail"]
