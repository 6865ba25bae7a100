"""Rota, escalation policies, alerts, pages and per-user events.

The database is the truth: an alert's escalation pointer (`next_step_*`), the Page rows
(one per alert, step, repeat and user: the guard token) and the AlertEvent rows (per-user
sequence) are what the sweep, the WebSocket replay and the auditor check read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate")
    URGENT = "urgent", _("Urgent")
    ROUTINE = "routine", _("Routine")


class Rotation(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class Schedule(models.Model):
    """One rota of the node (the node is one country; its time zone is settings.TIME_ZONE)."""

    name = models.SlugField(max_length=50, unique=True)
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Layer(models.Model):
    """A rotation of members; a higher `order` wins where it has someone on call.

    `member_ids` keeps the rotation order (a list of user ids). An optional local window
    (`window_start`-`window_end`, may wrap midnight) restricts the layer to part of the day.
    """

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="layers")
    order = models.PositiveSmallIntegerField(default=0)
    rotation = models.CharField(max_length=10, choices=Rotation.choices, default=Rotation.DAILY)
    handoff = models.TimeField()
    start = models.DateField()
    member_ids = models.JSONField(default=list)
    window_start = models.TimeField(null=True, blank=True)
    window_end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["schedule", "order", "id"]

    def __str__(self) -> str:
        return f"{self.schedule_id}/{self.order}"


class Override(models.Model):
    """A shift swap: `user` is on call for the schedule from `start` to `end` (UTC)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    start = models.DateTimeField()
    end = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.start}–{self.end}"


class EscalationPolicy(models.Model):
    """Ordered steps for one urgency; copied into each alert when it starts.

    steps: [{"action": "schedule"|"user"|"coordinators", "schedule": name, "user": id,
    "wait_minutes": N}]; the chain runs `repeat + 1` times. `ack_window_minutes` is how
    long a peer has to acknowledge a notification of this urgency that we sent.
    """

    urgency = models.CharField(max_length=10, choices=Urgency.choices, unique=True)
    steps = models.JSONField(default=list)
    repeat = models.PositiveSmallIntegerField(default=0)
    ack_window_minutes = models.PositiveIntegerField(default=15)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.urgency


class AlertState(models.TextChoices):
    TRIGGERED = "triggered", _("Triggered")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert", "Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Alert(models.Model):
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    # What the title and summary say, as values (alerts.labels renders them in the
    # reader's language); empty for an alert whose stored title is its words (a peer's
    # title, rows from before params).
    params = models.JSONField(default=dict, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    state = models.CharField(
        max_length=12, choices=AlertState.choices, default=AlertState.TRIGGERED
    )
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    origin = models.CharField(max_length=2, blank=True)
    envelope_id = models.CharField(max_length=36, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # The escalation chain as it was when the alert started (policy edits do not move it).
    snapshot = models.JSONField(default=dict)
    next_step = models.PositiveSmallIntegerField(default=0)
    next_repeat = models.PositiveSmallIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    # The `alert.ack` we signed back to the origin (its receipt is the proof it arrived).
    ack_envelope_id = models.CharField(max_length=36, blank=True)
    # Alert storms: a member of a group points at its leader and has no escalation of its
    # own; the leader pages once for the whole group and counts it (itself included).
    group = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    group_size = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The history's order: its pages are index range reads, not a sort of every alert.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="alerts_alert_history_order"),
            # The desk's order: per state, the newest open leaders (alerts.selectors.desk_alerts).
            models.Index(
                fields=["state", "-created_at", "-id"],
                name="alerts_alert_desk_order",
                condition=models.Q(group__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class AlertGroupSlot(models.Model):
    """The open group of one (origin, kind): new alerts of that key within the window join
    its leader instead of paging again. Unique key: concurrent raisers queue on the row."""

    key = models.CharField(max_length=100, unique=True)
    leader = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} -> {self.leader_id}"


class Page(models.Model):
    """One person paged by one step of one pass: the guard token against double paging."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="pages")
    step = models.PositiveSmallIntegerField()
    repeat = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "step", "repeat", "user"], name="alerts_page_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}/{self.step}/{self.repeat}/{self.user_id}"


class StepRun(models.Model):
    """The record that step (alert, step, repeat) ran: what the auditor check reads."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="step_runs")
    step = models.PositiveSmallIntegerField()
    repeat = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    ran_at = models.DateTimeField(auto_now_add=True)
    paged = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "step", "repeat"], name="alerts_step_once")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}/{self.step}/{self.repeat}"


class EventCursor(models.Model):
    """The last sequence number handed to a user (locked to allocate the next)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    last_seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_seq}"


class AlertEvent(models.Model):
    """What a user's open duty desks are told, in order; replayed from here on reconnect."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    seq = models.PositiveBigIntegerField()
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=20)  # alert.paged | alert.acknowledged | alert.resolved
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["user", "seq"], name="alerts_event_seq_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}#{self.seq} {self.type}"


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class NotificationChannel(models.Model):
    """Where a person is reached outside the duty desk: an e-mail address or a webhook URL."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_channels"
    )
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    target = models.CharField(max_length=300)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "target"], name="alerts_channel_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"


class Delivery(models.Model):
    """One page sent through one channel; retried from here until sent or given up."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(NotificationChannel, on_delete=models.CASCADE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "channel"], name="alerts_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.page_id} {self.status}"


class WsTicket(models.Model):
    """A short-lived single-use WebSocket ticket; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The user's session generation when it was issued: a ticket from before "log out
    # everywhere" (or a deactivation, TOTP reset, password change) opens nothing.
    session_generation = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"ticket of {self.user_id}"


class RemoteAck(models.Model):
    """A peer's `alert.ack`: a person on duty there took our message in hand."""

    envelope_id = models.CharField(max_length=36, db_index=True)  # ours, acknowledged
    country = models.CharField(max_length=2)
    at = models.DateTimeField()
    by_role = models.CharField(max_length=30, blank=True)
    by_name = models.CharField(max_length=150, blank=True)
    message_id = models.CharField(max_length=36, unique=True)  # the alert.ack envelope
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.country} ack {self.envelope_id}"


class PeerContact(models.Model):
    """A peer's duty telephone, agreed by coordinators at enrolment (like the fingerprint)."""

    country = models.CharField(max_length=2)
    name = models.CharField(max_length=150)
    phone = models.CharField(max_length=32)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return f"{self.country} {self.name}"
