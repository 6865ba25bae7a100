"""On PostgreSQL the audit table is append-only in the database itself.

A statement-level trigger refuses UPDATE, DELETE and TRUNCATE on audit_auditentry for
every role, the table's owner included. One exception: a superuser may TRUNCATE (the
test runner empties every table between transactional tests that way). A superuser can
switch any trigger off anyway (ALTER TABLE ... DISABLE TRIGGER, session_replication_role),
so the exception gives away nothing; a node must run as a non-superuser role, and
the hash chain, the Merkle tree and the peers' witnessed tree heads catch the rest.
AuditHead (the writers' lock and the chain's tail) stays updatable.
SQLite (the embedded default) has no such guard; `audit verify` detects tampering there.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'TRUNCATE'
         AND (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
      END IF;
      RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()
    """,
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_entry_append_only()",
]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
