"""The audit log: one row per event, hash-chained so that any change is detectable."""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150, blank=True, db_index=True)
    actor_kind = models.CharField(max_length=10)  # user | peer | system | anonymous | registry
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=128, blank=True)
    outcome = models.CharField(max_length=20, default="success")
    client_ip = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The auditor's filter matches a dotted prefix (LIKE 'auth.%'); PostgreSQL uses
            # a btree for LIKE only with the pattern operator class (other backends ignore it).
            models.Index(
                fields=["action"], name="audit_action_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditHead(models.Model):
    """Singleton row locked by every writer so concurrent appends never fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.last_seq}"


class AuditTreeNode(models.Model):
    """A cached hash of a perfect, aligned subtree of the Merkle tree over the entries:
    leaves [index * 2**level, (index + 1) * 2**level), levels 8 and up (256 leaves and
    more). Derived from the entries' `entry_hash`es by `audit.tree`, which checks it
    against them before use; never trusted by `audit verify`.

    `anchor` is the `entry_hash` of the subtree's last entry when it was folded: every
    entry commits to all before it through `prev_hash`, so a rewrite of the chain at or
    before that entry changes it, and the cache is dropped.
    """

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.CharField(max_length=64)  # hex
    anchor = models.CharField(max_length=64)  # hex

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="audit_tree_node_unique")
        ]

    def __str__(self) -> str:
        return f"tree node {self.level}/{self.index}"
