"""This node's signing keys. Only public halves live in the database."""

from __future__ import annotations

from django.db import models


class NodeKey(models.Model):
    """One Ed25519 key of this node; the private half is a 0600 file or an env secret."""

    key_id = models.CharField(max_length=40, unique=True)
    public_key = models.CharField(max_length=64)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="node_one_current_key",
            )
        ]

    def __str__(self) -> str:
        return self.key_id
