"""Cases API: creation, field errors that store nothing, object-level access (404)."""

import copy

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEntry
from cases.models import Case, Indicator
from tests.factories import CASE, bearer, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "coord": user("coord", "coordinator", "hq"),
        "p1": user("p1", "prosecutor", "cyber"),
        "p2": user("p2", "prosecutor", "cyber"),
        "p3": user("p3", "prosecutor", "fraud"),
        "aud": user("aud", "auditor"),
    }


def client(u: User) -> APIClient:
    c = APIClient()
    c.credentials(**bearer(u))
    return c


def test_create_returns_id_and_normalises_indicators(people):
    r = client(people["p1"]).post("/api/v1/cases/", CASE, format="json")
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()["id"])
    assert case.reference.endswith("-0001") and r.json()["reference"] == case.reference
    values = dict(Indicator.objects.filter(case=case).values_list("kind", "value"))
    assert values == {
        "phone": "+37369123456",
        "domain": "models-work.example.md",
        "telegram": "modelswork",
    }
    assert AuditEntry.objects.filter(action="case.create", object_id=str(case.pk)).exists()


def test_unauthenticated_is_refused():
    assert APIClient().post("/api/v1/cases/", CASE, format="json").status_code in (401, 403)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("title"),
        lambda d: d.update(title="a\x00b"),
        lambda d: d.update(summary=""),
        lambda d: d.update(offence={"country": "XX", "article": "1"}),
        lambda d: d.update(offence="220/1"),
        lambda d: d.update(facts="online"),
        lambda d: d.update(facts=["Not A Tag"]),
        lambda d: d.update(urgency="whenever"),
        lambda d: d.update(indicators=[{"kind": "phone", "value": "nope"}]),
        lambda d: d.update(indicators=[{"kind": "fax", "value": "1"}]),
        lambda d: d.update(indicators=[{"kind": "domain", "value": "a\x00.com"}]),
        lambda d: d.update(indicators={"kind": "phone"}),
    ],
)
def test_malformed_input_400_with_field_errors_stores_nothing(people, mutate):
    data = copy.deepcopy(CASE)
    mutate(data)
    api = client(people["p1"])
    before = AuditEntry.objects.count()
    r = api.post("/api/v1/cases/", data, format="json")
    assert r.status_code == 400, r.content
    assert isinstance(r.json(), dict) and r.json()
    assert Case.objects.count() == 0 and Indicator.objects.count() == 0
    assert AuditEntry.objects.filter(action="case.create").count() == 0
    assert AuditEntry.objects.count() == before


def test_prosecutor_of_another_unit_gets_404_and_the_unit_sees_it(people):
    r = client(people["p1"]).post("/api/v1/cases/", CASE, format="json")
    pk = r.json()["id"]
    assert client(people["p1"]).get(f"/api/v1/cases/{pk}/").status_code == 200
    assert client(people["p2"]).get(f"/api/v1/cases/{pk}/").status_code == 200  # same unit
    assert client(people["p3"]).get(f"/api/v1/cases/{pk}/").status_code == 404
    assert client(people["coord"]).get(f"/api/v1/cases/{pk}/").status_code == 200
    listed = client(people["p3"]).get("/api/v1/cases/").json()
    assert listed["count"] == 0
    denied = AuditEntry.objects.filter(action="case.read", actor="p3", outcome="denied")
    assert denied.count() == 1


def test_auditor_sees_access_entries_but_not_content(people):
    pk = client(people["p1"]).post("/api/v1/cases/", CASE, format="json").json()["id"]
    client(people["p1"]).get(f"/api/v1/cases/{pk}/")
    aud = client(people["aud"])
    assert aud.get(f"/api/v1/cases/{pk}/").status_code == 404
    assert aud.get("/api/v1/cases/").status_code == 403
    assert aud.get(f"/api/v1/cases/{pk}/export/").status_code == 404
    exported = client(people["p1"]).get(f"/api/v1/cases/{pk}/export/")
    assert exported.status_code == 200 and exported.json()["case"]["reference"]
    assert AuditEntry.objects.filter(action="case.export", actor="p1").count() == 1
    reads = AuditEntry.objects.filter(action="case.read", object_id=str(pk), actor="p1")
    assert reads.count() == 1
    assert str(CASE["summary"]) not in str([e.details for e in reads])


def test_only_coordinators_notify(people):
    pk = client(people["p1"]).post("/api/v1/cases/", CASE, format="json").json()["id"]
    r = client(people["p1"]).post(f"/api/v1/cases/{pk}/notify/", {"to": ["KZ"]}, format="json")
    assert r.status_code == 403


@pytest.mark.parametrize(
    "body",
    [{}, {"to": []}, {"to": ["XX"]}, {"to": "KZ"}, {"to": ["KZ"], "handling": "H9"}],
)
def test_notify_malformed_400(people, body):
    pk = client(people["coord"]).post("/api/v1/cases/", CASE, format="json").json()["id"]
    r = client(people["coord"]).post(f"/api/v1/cases/{pk}/notify/", body, format="json")
    assert r.status_code == 400
    assert not Case.objects.get(pk=pk).notifications.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {
            "targets": [],
            "legal_basis": {"country": "KG", "article": "1"},
            "requested_action": "block",
            "to": ["KZ"],
        },
        {
            "targets": [{"url": "ftp://x"}],
            "legal_basis": {"country": "KG", "article": "1"},
            "requested_action": "block",
            "to": ["KZ"],
        },
        {
            "targets": [{"domain": "a.kg", "url": "http://a.kg/"}],
            "legal_basis": {"country": "KG", "article": "1"},
            "requested_action": "block",
            "to": ["KZ"],
        },
        {
            "targets": [{"domain": "a.kg"}],
            "legal_basis": {"country": "KG", "article": "1"},
            "requested_action": "burn",
            "to": ["KZ"],
        },
        {
            "targets": [{"domain": "a.kg"}],
            "legal_basis": {"country": "KG", "article": "1"},
            "requested_action": "block",
            "to": ["KZ"],
            "evidence": [{"sha256": "zz", "captured_at": "x", "kind": "screenshot"}],
        },
    ],
)
def test_takedown_malformed_400(people, body):
    r = client(people["coord"]).post("/api/v1/takedowns/", body, format="json")
    assert r.status_code == 400, r.content
    from cases.models import Takedown

    assert not Takedown.objects.exists()


def test_unknown_ids_are_404(people):
    c = client(people["coord"])
    for url in (
        "/api/v1/cases/999/",
        "/api/v1/inbound/999/",
        "/api/v1/takedowns/999/",
        "/api/v1/requests/999/",
    ):
        assert c.get(url).status_code == 404


def test_compare_preview_per_destination_uses_the_legal_map(people):
    pk = client(people["coord"]).post("/api/v1/cases/", CASE, format="json").json()["id"]
    r = client(people["coord"]).get(f"/api/v1/cases/{pk}/compare/?to=KZ&to=KG")
    assert r.status_code == 200
    rows = {row["country"]: row for row in r.json()}
    assert set(rows) == {"KZ", "KG"}
    kz = rows["KZ"]["comparison"]
    assert kz["target_country"] == "KZ"
    assert {"308", "309"} & {res["article"] for res in kz["results"][:3]}
    assert rows["KZ"]["verdict"] in ("satisfied", "not_satisfied", "uncertain")


def test_unknown_fact_tag_is_a_field_error(people):
    data = {**CASE, "facts": ["adult_victim", "no_such_fact"]}
    r = client(people["p1"]).post("/api/v1/cases/", data, format="json")
    assert r.status_code == 400 and "facts" in r.json()


def test_request_takedown_and_proposal_reads_are_audited(people, settings, tmp_path):
    """Issue 21: our requests (list and one), the takedown list and the mirror proposals
    each leave an entry with the filters asked for; a request outside the reader's scope
    is recorded as denied, then 404."""
    from cases import services
    from tests.factories import node
    from tests.fednet import FakePeer

    node(settings, tmp_path, "KZ", FakePeer("MD"))
    p1 = people["p1"]
    case = Case.objects.get(pk=client(p1).post("/api/v1/cases/", CASE, format="json").json()["id"])
    services.case_notify(actor=people["coord"], case=case, to=["MD"], handling="H0")
    req = services.request_send(
        actor=p1, kind="preservation", text="Keep it", case=case, country="MD"
    )

    def last(action: str, actor: str) -> AuditEntry:
        return AuditEntry.objects.filter(action=action, actor=actor).latest("seq")

    assert client(p1).get("/api/v1/requests/?status=sent").status_code == 200
    listed = last("request.list", "p1")
    assert (listed.object_type, listed.details) == (
        "cases.outboundrequest",
        {"filters": {"status": "sent"}},
    )
    assert client(p1).get(f"/api/v1/requests/{req.pk}/").status_code == 200
    assert last("request.read", "p1").object_id == str(req.pk)
    assert client(people["p3"]).get(f"/api/v1/requests/{req.pk}/").status_code == 404
    refused = last("request.read", "p3")
    assert (refused.outcome, refused.object_id) == ("denied", str(req.pk))
    coord = client(people["coord"])
    assert coord.get("/api/v1/takedowns/?urgency=urgent").status_code == 200
    assert last("takedown.list", "coord").details == {"filters": {"urgency": "urgent"}}
    assert coord.get("/api/v1/mirror-proposals/?status=proposed").status_code == 200
    assert last("proposal.list", "coord").details == {"filters": {"status": "proposed"}}
    assert coord.get("/api/v1/takedowns/999999/").status_code == 404
    assert last("takedown.read", "coord").outcome == "denied"
