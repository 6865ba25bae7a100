"""Object permissions (django-guardian): who may see which case and received item.

Rules: coordinators and admins see everything of their node (one node = one country);
a prosecutor sees the objects granted to them or to their unit's group; auditors see
no content. Unit groups are named `unit:<name>` and mirror accounts' `User.unit`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from accounts.models import Role


def unit_group(unit: str) -> Group | None:
    """The guardian group of a unit, its membership synchronised from User.unit."""
    if not unit:
        return None
    group, _ = Group.objects.get_or_create(name=f"unit:{unit}"[:150])
    members = get_user_model().objects.filter(unit=unit, is_active=True)
    group.user_set.add(*members)
    return group


def join_unit_group(user: Any) -> None:
    """Make sure a user's own unit group holds them (a unit set after the grant)."""
    unit = getattr(user, "unit", "")
    if unit:
        group, _ = Group.objects.get_or_create(name=f"unit:{unit}"[:150])
        group.user_set.add(user)


def grant(perm: str, obj: Any, *, users: tuple[Any, ...] | list[Any] = (), unit: str = "") -> None:
    for user in users:
        assign_perm(perm, user, obj)
    group = unit_group(unit)
    if group is not None:
        assign_perm(perm, group, obj)


def sees_everything(user: Any) -> bool:
    return getattr(user, "role", "") in (Role.COORDINATOR, Role.ADMIN)


def is_auditor(user: Any) -> bool:
    return getattr(user, "role", "") == Role.AUDITOR
