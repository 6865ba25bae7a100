"""Default escalation policies and an empty `default` schedule, so a fresh node works."""

from typing import Any

from django.db import migrations

STEPS: dict[str, tuple[list[dict[str, Any]], int, int]] = {
    "immediate": (
        [
            {"action": "schedule", "schedule": "default", "wait_minutes": 5},
            {"action": "coordinators", "wait_minutes": 5},
        ],
        3,
        15,
    ),
    "urgent": (
        [
            {"action": "schedule", "schedule": "default", "wait_minutes": 15},
            {"action": "coordinators", "wait_minutes": 15},
        ],
        2,
        60,
    ),
    "routine": ([{"action": "schedule", "schedule": "default", "wait_minutes": 60}], 0, 1440),
}


def create(apps: Any, schema_editor: Any) -> None:
    policy = apps.get_model("alerts", "EscalationPolicy")
    for urgency, (steps, repeat, window) in STEPS.items():
        policy.objects.get_or_create(
            urgency=urgency,
            defaults={"steps": steps, "repeat": repeat, "ack_window_minutes": window},
        )
    apps.get_model("alerts", "Schedule").objects.get_or_create(name="default")


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
