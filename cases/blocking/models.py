"""The blocking feed's tables: the registries that pull it and its append-only entries.

Imported at the end of `cases.models` (the app's model module) so Django registers them
under the `cases` app; nothing here imports `cases.models`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Registry(models.Model):
    """A national blocking registry (or an operator's script) that pulls the feed.

    Not a user: it authenticates with its own token (stored as SHA-256, shown once), can
    only read the feed and confirm entries, and is named in the audit as
    `registry:<name>`."""

    name = models.CharField(max_length=60, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_cursor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # What DRF's IsAuthenticated and the audit's actor read of `request.user`.
    is_authenticated = True
    is_active = True
    role = "registry"
    audit_actor_kind = "registry"

    def get_username(self) -> str:
        return f"registry:{self.name}"


class FeedEntry(models.Model):
    """One line of the feed: a target accepted for blocking (`add`) or no longer to be
    blocked (`remove`: withdrawn, refused, removed at its source).

    Append-only. `cursor` is drawn from a counter row locked until the decision's
    transaction commits, so cursors become visible in increasing order and a registry
    reading `after=<last cursor>` never misses an entry committed later with a lower one.
    """

    class Action(models.TextChoices):
        ADD = "add", "add"
        REMOVE = "remove", "remove"

    cursor = models.BigIntegerField(unique=True)
    action = models.CharField(max_length=6, choices=Action.choices)
    target = models.CharField(max_length=500)  # as requested: a URL or a domain
    domain = models.CharField(max_length=253, blank=True)  # the DNS name ("" if none)
    request_ref = models.CharField(max_length=64)
    origin = models.CharField(max_length=2)  # the requesting country
    legal_basis = models.JSONField(default=dict)
    decided_at = models.DateTimeField()
    decided_by = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=25)  # the takedown status that made the entry
    note = models.TextField(blank=True)
    inbound_target = models.ForeignKey(
        "cases.InboundTakedownTarget", on_delete=models.PROTECT, related_name="feed_entries"
    )
    # The entry as JSON and as a CSV line, rendered once when it is written (an entry
    # never changes): a pull of 100,000 joins stored text instead of decoding and
    # formatting every field of every row (cases.blocking.formats).
    json_line = models.TextField()
    csv_line = models.TextField()

    class Meta:
        ordering = ["cursor"]

    def __str__(self) -> str:
        return f"{self.cursor} {self.action} {self.target}"
