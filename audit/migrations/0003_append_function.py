"""On PostgreSQL, `record` appends with one call of audit_append(): one round trip.

The function locks the head, hashes the entry over the previous entry's hash exactly as
audit.chain.entry_digest does (the caller sends the entry's canonical JSON without its
seq, which sorts last, and the function closes it with the seq it draws), inserts the
entry and moves the head, all inside the caller's transaction. `audit verify`
recomputes every hash in Python, so the two definitions cannot drift unnoticed.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION audit_append(
      p_payload_prefix text, p_at timestamptz, p_actor text, p_actor_kind text, p_role text,
      p_action text, p_object_type text, p_object_id text, p_outcome text,
      p_client_ip text, p_request_id text, p_details jsonb,
      OUT o_seq bigint, OUT o_prev_hash text, OUT o_entry_hash text)
    LANGUAGE plpgsql AS $$
    BEGIN
      SELECT h.last_seq + 1, h.last_hash INTO o_seq, o_prev_hash
        FROM audit_audithead h WHERE h.id = 1 FOR NO KEY UPDATE;
      IF NOT FOUND THEN
        INSERT INTO audit_audithead (id, last_seq, last_hash)
          VALUES (1, 0, repeat('0', 64)) ON CONFLICT (id) DO NOTHING;
        SELECT h.last_seq + 1, h.last_hash INTO o_seq, o_prev_hash
          FROM audit_audithead h WHERE h.id = 1 FOR NO KEY UPDATE;
      END IF;
      o_entry_hash := encode(sha256(convert_to(
        o_prev_hash || E'\\n' || p_payload_prefix || o_seq::text || '}', 'UTF8')), 'hex');
      INSERT INTO audit_auditentry (seq, at, actor, actor_kind, role, action, object_type,
          object_id, outcome, client_ip, request_id, details, prev_hash, entry_hash)
        VALUES (o_seq, p_at, p_actor, p_actor_kind, p_role, p_action, p_object_type,
          p_object_id, p_outcome, p_client_ip, p_request_id, p_details, o_prev_hash,
          o_entry_hash);
      UPDATE audit_audithead h SET last_seq = o_seq, last_hash = o_entry_hash WHERE h.id = 1;
    END
    $$
    """,
]
BACKWARD = [
    "DROP FUNCTION IF EXISTS audit_append(text, timestamptz, text, text, text, text, text,"
    " text, text, text, text, jsonb)",
]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
