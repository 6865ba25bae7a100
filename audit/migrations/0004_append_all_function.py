"""On PostgreSQL, the entries a `deferred` block collected are appended with one call of
audit_append_all(): one round trip for all of them, in their order.

It calls audit_append() (migration 0003) once per element of a JSON array, in array
order, so each entry is hashed over the one before it exactly as single appends are.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION audit_append_all(p_entries jsonb)
    RETURNS TABLE (o_seq bigint, o_prev_hash text, o_entry_hash text)
    LANGUAGE plpgsql AS $$
    DECLARE
      e jsonb;
    BEGIN
      FOR e IN SELECT a.value FROM jsonb_array_elements(p_entries) WITH ORDINALITY a
               ORDER BY a.ordinality
      LOOP
        SELECT r.o_seq, r.o_prev_hash, r.o_entry_hash INTO o_seq, o_prev_hash, o_entry_hash
          FROM audit_append(
            e->>'payload_prefix', (e->>'at')::timestamptz, e->>'actor', e->>'actor_kind',
            e->>'role', e->>'action', e->>'object_type', e->>'object_id', e->>'outcome',
            e->>'client_ip', e->>'request_id', e->'details') r;
        RETURN NEXT;
      END LOOP;
    END
    $$
    """,
]
BACKWARD = ["DROP FUNCTION IF EXISTS audit_append_all(jsonb)"]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_function")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
