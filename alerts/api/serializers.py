"""Input/output shapes of the alerts API."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from alerts import selectors, subjects
from alerts.models import Alert
from net247.textfields import TextField


class AlertOutput(serializers.ModelSerializer[Alert]):
    acknowledged_by = serializers.SerializerMethodField()
    acknowledged_by_name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    detail_url = serializers.SerializerMethodField()
    next_action = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "kind", "title", "summary", "urgency", "state", "origin",
                  "envelope_id", "object_type", "object_id", "created_at",
                  "acknowledged_at", "acknowledged_by", "acknowledged_by_name", "resolved_at",
                  "resolution_note", "group", "group_size", "next_step_at", "next_action",
                  "url", "detail_url"]  # fmt: skip

    def get_acknowledged_by(self, alert: Alert) -> str | None:
        user = alert.acknowledged_by
        return user.username if user is not None else None

    def get_acknowledged_by_name(self, alert: Alert) -> str | None:
        user = alert.acknowledged_by
        return (user.get_full_name() or user.username) if user is not None else None

    def get_url(self, alert: Alert) -> str | None:
        """The page of what the alert is about (a received item, a thread)."""
        return subjects.url_of(alert)

    def get_detail_url(self, alert: Alert) -> str:
        return reverse("alerts:detail", args=[alert.pk])

    def get_next_action(self, alert: Alert) -> str:
        step = selectors.next_step_of(alert)
        return str(step["action"]) if step is not None else ""


class ResolveInput(serializers.Serializer[object]):
    note = TextField(required=False, allow_blank=True, max_length=2000, default="")


class OnCallQuery(serializers.Serializer[object]):
    at = serializers.DateTimeField(required=False)
