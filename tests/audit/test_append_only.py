"""PostgreSQL refuses to rewrite the audit log, even for the application's own user."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from audit import services
from audit.models import AuditEntry, AuditHead
from audit.verify import verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only (DATABASE_URL)")


def _refused(sql: str, params: list[Any] | None = None) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return str(caught.value)


def test_update_and_delete_fail_as_the_applications_own_user():
    entry = services.record(action="test.event", details={"n": 1})
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        user = cursor.fetchone()[0]
    assert user == connection.settings_dict["USER"]  # the very user the node connects as
    assert "append-only" in _refused(
        "UPDATE audit_auditentry SET actor = 'mallory' WHERE seq = %s", [entry.seq]
    )
    assert "append-only" in _refused("DELETE FROM audit_auditentry WHERE seq = %s", [entry.seq])
    # The ORM goes the same way.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=entry.seq).update(outcome="denied")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=entry.seq).delete()
    assert AuditEntry.objects.get(seq=entry.seq).actor == entry.actor
    assert verify().ok


def test_a_non_superuser_owner_cannot_update_delete_or_truncate():
    """The production layout: the node's role owns its tables but is no superuser."""
    services.record(action="test.event")
    role = f"net247_audit_owner_{os.getpid()}"
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute(f'CREATE ROLE "{role}" NOSUPERUSER NOLOGIN')
        cursor.execute(f'ALTER TABLE audit_auditentry OWNER TO "{role}"')
        cursor.execute(f'ALTER TABLE audit_audithead OWNER TO "{role}"')
        cursor.execute(f'SET LOCAL ROLE "{role}"')
    try:
        assert "UPDATE" in _refused("UPDATE audit_auditentry SET role = 'admin'")
        assert "DELETE" in _refused("DELETE FROM audit_auditentry")
        assert "TRUNCATE" in _refused("TRUNCATE audit_auditentry")
        # Appending still works for that role: the head stays updatable.
        entry = services.record(action="test.after")
        assert AuditHead.objects.get(id=1).last_seq == entry.seq
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert verify().ok
