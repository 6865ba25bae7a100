"""Alerts' hand-written statements, each read for every alert raised (see
alerts/selectors.py): run through `net247.db`, cached per vendor; only names from the
models are formatted in, values are parameters."""

from __future__ import annotations

from functools import cache

from accounts.models import User
from alerts.models import EscalationPolicy, Schedule
from net247 import db


@cache
def schedule_by_name(vendor: str) -> str:
    """Every column of the schedule named %s (read back with `db.load`)."""
    return (
        f"SELECT {db.columns(Schedule)} FROM {db.table(Schedule)}"  # noqa: S608
        f" WHERE {db.column(Schedule, 'name')} = %s"
    )


@cache
def escalation_policy(vendor: str) -> str:
    """`steps`, `repeat`, `ack_window_minutes` of the policy of the urgency %s."""
    return (
        f"SELECT {db.column(EscalationPolicy, 'steps')} AS steps,"  # noqa: S608
        f" {db.column(EscalationPolicy, 'repeat')} AS {db.quote('repeat')},"
        f" {db.column(EscalationPolicy, 'ack_window_minutes')} AS ack_window_minutes"
        f" FROM {db.table(EscalationPolicy)} WHERE {db.column(EscalationPolicy, 'urgency')} = %s"
    )


@cache
def active_roles(vendor: str) -> str:
    """`id` and `role` of the active users among an id list (`db.list_param`), and of
    every active user of either of two roles: one statement whatever the number of ids."""
    pk, role = db.column(User, "id"), db.column(User, "role")
    among = db.any_of(pk, "bigint", vendor)
    return (
        f"SELECT {pk} AS id, {role} AS role FROM {db.table(User)}"  # noqa: S608
        f" WHERE {db.column(User, 'is_active')} AND ({among} OR {role} IN (%s, %s))"
    )
