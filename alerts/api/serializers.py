"""Input/output shapes of the alerts API."""

from __future__ import annotations

from rest_framework import serializers

from alerts.models import Alert


class AlertOutput(serializers.ModelSerializer[Alert]):
    acknowledged_by = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "kind", "title", "summary", "urgency", "state", "origin",
                  "envelope_id", "object_type", "object_id", "created_at",
                  "acknowledged_at", "acknowledged_by", "resolved_at"]  # fmt: skip

    def get_acknowledged_by(self, alert: Alert) -> str | None:
        user = alert.acknowledged_by
        return user.username if user is not None else None


class OnCallQuery(serializers.Serializer[object]):
    at = serializers.DateTimeField(required=False)
