"""audit_append_all() takes the head's lock and moves the head once for all its entries.

Migration 0004 called audit_append() per entry: a lock, an insert and a head update
each. The hashing is the same as audit_append's (and audit.chain.entry_digest's): each
entry over the one before it, in array order; `audit verify` recomputes every hash in
Python, so the definitions cannot drift unnoticed.
"""

from importlib import import_module

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION audit_append_all(p_entries jsonb)
    RETURNS TABLE (o_seq bigint, o_prev_hash text, o_entry_hash text)
    LANGUAGE plpgsql AS $$
    DECLARE
      e jsonb;
      v_seq bigint;
      v_hash text;
    BEGIN
      SELECT h.last_seq, h.last_hash INTO v_seq, v_hash
        FROM audit_audithead h WHERE h.id = 1 FOR NO KEY UPDATE;
      IF NOT FOUND THEN
        INSERT INTO audit_audithead (id, last_seq, last_hash)
          VALUES (1, 0, repeat('0', 64)) ON CONFLICT (id) DO NOTHING;
        SELECT h.last_seq, h.last_hash INTO v_seq, v_hash
          FROM audit_audithead h WHERE h.id = 1 FOR NO KEY UPDATE;
      END IF;
      FOR e IN SELECT a.value FROM jsonb_array_elements(p_entries) WITH ORDINALITY a
               ORDER BY a.ordinality
      LOOP
        o_seq := v_seq + 1;
        o_prev_hash := v_hash;
        o_entry_hash := encode(sha256(convert_to(
          o_prev_hash || E'\\n' || (e->>'payload_prefix') || o_seq::text || '}', 'UTF8')), 'hex');
        INSERT INTO audit_auditentry (seq, at, actor, actor_kind, role, action, object_type,
            object_id, outcome, client_ip, request_id, details, prev_hash, entry_hash)
          VALUES (o_seq, (e->>'at')::timestamptz, e->>'actor', e->>'actor_kind', e->>'role',
            e->>'action', e->>'object_type', e->>'object_id', e->>'outcome',
            e->>'client_ip', e->>'request_id', e->'details', o_prev_hash, o_entry_hash);
        v_seq := o_seq;
        v_hash := o_entry_hash;
        RETURN NEXT;
      END LOOP;
      UPDATE audit_audithead h SET last_seq = v_seq, last_hash = v_hash WHERE h.id = 1;
    END
    $$
    """,
]
# Back to 0004's definition (one audit_append() call per entry), from 0004 itself.
BACKWARD = import_module("audit.migrations.0004_append_all_function").FORWARD


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_append_all_function")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
