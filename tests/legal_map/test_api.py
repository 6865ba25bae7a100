"""The REST API through real sessions (TOTP passed) and a real bearer token."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import services as accounts
from tests import factories
from tests.accounts.helpers import verified_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/legal-map/compare"


def test_compare_needs_authentication(client: Client):
    assert client.get(
        URL, {"from_country": "MD", "from_article": "220/1", "to": "KZ"}
    ).status_code in (
        401,
        403,
    )


@pytest.mark.parametrize("role", ["prosecutor", "coordinator", "auditor", "admin"])
def test_compare_mission_example_any_role(role):
    client = verified_client(Client(), factories.user(f"lm-api-{role}", role))
    response = client.get(
        URL,
        {
            "from_country": "MD",
            "from_article": "220/1",
            "from_part": "",
            "to": "KZ",
            "facts": "minor_victim,webcam,profit,sexual_services,pimping",
            "date": "2025-03-01",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["target_country"] == "KZ"
    # KZ 312 was re-keyed to 312 p.1 and is partly_verified (catalogue v2).
    assert (body["results"][0]["article"], body["results"][0]["part"]) == ("312", "1")
    assert body["results"][0]["verification"] == "partly_verified"
    # A minor contradicts MD 220/1's adult victim: never "satisfied" (engine docstring).
    verdict = body["dual_criminality"]
    assert verdict["verdict"] == "uncertain"
    codes = [c["code"] for c in verdict["reason_codes"]]
    assert "facts_contradict" in codes and "not_made_out" in codes
    assert [c["text"] for c in verdict["reason_codes"]] == verdict["reasons"]
    # Reasons are English with element labels, never raw tags.
    assert not any("minor_victim" in r or "adult_victim" in r for r in verdict["reasons"])


def test_compare_with_a_bearer_token():
    user = factories.user("lm-api-token", "prosecutor")
    _token, secret = accounts.token_create(user=user, name="t")
    response = Client().get(
        URL,
        {"from_country": "MD", "from_article": "220/1", "to": "KZ", "facts": "adult_victim"},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200
    articles = [r["article"] for r in response.json()["results"]]
    assert {"308", "309", "309-1"} <= set(articles)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from_country": "XX", "from_article": "220/1", "to": "KZ"}, "from_country"),
        ({"from_country": "MD", "to": "KZ"}, "from_article"),
        ({"from_country": "MD", "from_article": "220/1", "to": "MD"}, "to"),
        ({"from_country": "MD", "from_article": "220/1"}, "to"),
        ({"from_country": "MD", "from_article": "220/1", "to": "KZ", "facts": "bogus"}, "facts"),
        ({"from_country": "MD", "from_article": "220/1", "to": "KZ", "date": "2025-02-30"}, "date"),
        ({"from_country": "MD", "from_article": "999", "to": "KZ"}, "from_article"),
        (
            {"from_country": "MD", "from_article": "220/1", "from_part": "9", "to": "KZ"},
            "from_part",
        ),
    ],
)
def test_compare_bad_parameters_give_field_errors(params, field):
    client = verified_client(Client(), factories.user("lm-api-bad", "prosecutor"))
    response = client.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_offence_list_and_detail():
    client = verified_client(Client(), factories.user("lm-api-list", "prosecutor"))
    page = client.get("/api/v1/legal-map/offences/", {"country": "MD", "article": "220/1"}).json()
    assert page["count"] == 5
    detail = client.get(f"/api/v1/legal-map/offences/{page['results'][3]['id']}/").json()
    # v1 "verified" on a non-official source is verified_secondary in v2 (catalogue v2).
    assert detail["part"] == "4" and detail["verification"] == "verified_secondary"
    assert any(
        p["kind"] == "imprisonment" and p["min"] == 2 and p["max"] == 6 for p in detail["penalties"]
    )
    drafts = client.get("/api/v1/legal-map/offences/", {"country": "KZ", "status": "draft"}).json()
    assert {"309-1"} <= {r["article"] for r in drafts["results"]}
    assert client.get("/api/v1/legal-map/offences/", {"country": "ZZ"}).status_code == 400
    lower = client.get(URL, {"from_country": "md", "from_article": "220/1", "to": "kz"})
    assert lower.status_code == 200 and lower.json()["target_country"] == "KZ"
    for bad in ("999999", "-1", "²", "abc"):
        missing = client.get(f"/api/v1/legal-map/offences/{bad}/")
        assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    facts = client.get("/api/v1/legal-map/facts/").json()
    assert any(f["tag"] == "minor_victim" and f["label_ru"] for f in facts)
