"""The auditor's page through Django's test client: access, filters, paging, CSV, status."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from audit import services, status
from audit.models import AuditEntry
from tests.accounts.helpers import create_user, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_checkpoint():
    cache.delete(status.KEY)


@pytest.fixture
def auditor_client() -> Client:
    return verified_client(Client(), create_user("aud.one", "auditor"))


def test_an_auditor_opens_the_page_and_the_opening_is_audited(auditor_client):
    services.record(action="case.read", object_type="case", object_id=7)
    response = auditor_client.get("/audit/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "case.read" in body and "Журнал аудита" in body
    view = AuditEntry.objects.filter(action="audit.view").latest("seq")
    assert (view.actor, view.role, view.outcome) == ("aud.one", "auditor", "success")
    assert response.context["verification"].ok


def test_an_admin_may_open_it_too():
    client = verified_client(Client(), create_user("adm.one", "admin"))
    assert client.get("/audit/").status_code == 200


@pytest.mark.parametrize("role", ["prosecutor", "coordinator"])
def test_other_roles_get_403_and_the_attempt_is_audited(role):
    client = verified_client(Client(), create_user(f"x.{role}", role))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    denied = AuditEntry.objects.filter(action="audit.view", actor=f"x.{role}", outcome="denied")
    assert denied.count() == 2
    assert not AuditEntry.objects.filter(action="audit.export").exists()


def test_anonymous_is_sent_to_login():
    response = Client().get("/audit/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_filters_by_actor_action_prefix_object_and_time(auditor_client):
    services.record(action="case.read", object_type="case", object_id="41", peer="KG")
    services.record(action="case.update", object_type="case", object_id="42", peer="KG")
    services.record(action="casework.other", object_type="case", object_id="41", peer="UZ")
    page = auditor_client.get("/audit/", {"action": "case"}).context["page"]
    assert {e.action for e in page.object_list} == {"case.read", "case.update"}
    page = auditor_client.get("/audit/", {"actor": "UZ"}).context["page"]
    assert [e.action for e in page.object_list] == ["casework.other"]
    page = auditor_client.get("/audit/", {"object_type": "case", "object_id": "41"}).context["page"]
    assert {e.action for e in page.object_list} == {"case.read", "casework.other"}
    local = timezone.localtime()
    future = {"since": (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
    assert auditor_client.get("/audit/", future).context["page"].paginator.count == 0
    window = {
        "since": (local - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "until": (local + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "action": "case.read",
    }
    assert auditor_client.get("/audit/", window).context["page"].paginator.count == 1
    view = AuditEntry.objects.filter(action="audit.view").latest("seq")
    assert view.details["filters"]["action"] == "case.read"


def test_filters_by_outcome_in_words(auditor_client):
    """The log's "status": what was refused or denied, among everything that succeeded."""
    services.record(action="case.read", object_type="case", object_id="41")
    services.record(action="case.read", object_type="case", object_id="42", outcome="denied")
    services.record(action="exchange.refused", peer="KG", outcome="refused")
    response = auditor_client.get("/audit/", {"outcome": "denied"})
    assert [e.object_id for e in response.context["page"].object_list] == ["42"]
    page = auditor_client.get("/audit/", {"outcome": "refused"}).context["page"]
    assert [e.action for e in page.object_list] == ["exchange.refused"]
    html = response.content.decode()
    assert '<option value="denied" selected>отказано в доступе</option>' in html
    assert auditor_client.get("/audit/", {"outcome": "nonsense"}).context["form"].errors
    view = AuditEntry.objects.filter(action="audit.view").order_by("-seq")[1]
    assert view.details["filters"] == {"outcome": "refused"}


def test_a_reversed_time_range_is_an_error_not_a_silent_filter(auditor_client):
    response = auditor_client.get(
        "/audit/", {"since": "2026-01-02T00:00", "until": "2026-01-01T00:00"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_pages_of_fifty_newest_first_keeping_the_filter(auditor_client):
    for i in range(60):
        services.record(action="bulk.event", object_id=i)
    first = auditor_client.get("/audit/", {"action": "bulk"})
    assert [e.object_id for e in first.context["page"].object_list][:2] == ["59", "58"]
    assert len(first.context["page"].object_list) == 50
    assert "action=bulk&amp;page=2" in first.content.decode()
    second = auditor_client.get("/audit/", {"action": "bulk", "page": 2}).context["page"]
    assert [e.object_id for e in second.object_list] == [str(i) for i in range(9, -1, -1)]


def test_csv_export_of_the_filtered_set_is_audited(auditor_client):
    services.record(action="case.read", object_id="1", details={"note": "=HYPERLINK(1)"})
    services.record(action="case.read", object_id="2")
    services.record(action="auth.login", object_id="3")
    response = auditor_client.get("/audit/export.csv", {"action": "case.read"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["object_id"] for r in rows] == ["1", "2"]
    assert rows[0]["details"].startswith("{") and "HYPERLINK" in rows[0]["details"]
    stored = AuditEntry.objects.get(seq=int(rows[1]["seq"]))
    assert rows[1]["entry_hash"] == stored.entry_hash
    export = AuditEntry.objects.get(action="audit.export")
    assert export.actor == "aud.one"
    assert export.details == {"filters": {"action": "case.read"}, "rows": 2}


def test_a_broken_log_is_shown_broken_at_its_entry(auditor_client):
    entry = services.record(action="case.read", object_id="9")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # only a superuser can do this there
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditentry SET outcome = 'denied' WHERE seq = %s", [entry.seq])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
    response = auditor_client.get("/audit/")
    verification = response.context["verification"]
    assert (verification.ok, verification.broken_seq) == (False, entry.seq)
    assert f"Журнал нарушен на записи №{entry.seq}" in response.content.decode()
    auditor_client.cookies["django_language"] = "en"
    english = auditor_client.get("/audit/").content.decode()
    assert f"The log is broken at entry #{entry.seq}" in english
