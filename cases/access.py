"""Object permissions (django-guardian): who may see which case and received item.

Rules: coordinators and admins see everything of their node (one node = one country);
a prosecutor sees the objects granted to them or to their unit's group; auditors see
no content. Unit groups are named `unit:<name>` and mirror accounts' `User.unit`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import post_save
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Role

UNIT_PREFIX = "unit:"


def unit_group_name(unit: str) -> str:
    return f"{UNIT_PREFIX}{unit}"[:150]


def unit_group(unit: str) -> Group | None:
    """The guardian group of a unit (created on the first grant to it). Its members are
    kept by `sync_unit_membership` when a user is saved, never on a read or a grant."""
    if not unit:
        return None
    group, _ = Group.objects.get_or_create(name=unit_group_name(unit))
    return group


def sync_unit_membership(user: Any) -> None:
    """An active user is in their own unit's group and in no other unit group: a user
    moved to another unit, or deactivated, stops seeing what their old unit sees."""
    unit = getattr(user, "unit", "") if getattr(user, "is_active", False) else ""
    wanted = unit_group_name(unit) if unit else None
    stale = user.groups.filter(name__startswith=UNIT_PREFIX)
    if wanted is not None:
        stale = stale.exclude(name=wanted)
    user.groups.remove(*stale)
    if wanted is not None:
        group, _ = Group.objects.get_or_create(name=wanted)
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)


def on_user_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """post_save of the user model: unit or activity may have changed (CLI, admin, API)."""
    fields = kwargs.get("update_fields")
    if raw or (fields is not None and not {"unit", "is_active"} & set(fields)):
        return
    sync_unit_membership(instance)


def connect() -> None:
    post_save.connect(
        on_user_saved, sender=get_user_model(), dispatch_uid="cases.access.unit_membership"
    )


def grant(perm: str, obj: Any, *, users: tuple[Any, ...] | list[Any] = (), unit: str = "") -> None:
    for user in users:
        assign_perm(perm, user, obj)
    group = unit_group(unit)
    if group is not None:
        assign_perm(perm, group, obj)


def revoke_item(item: Any, user: Any) -> bool:
    """Take `view_inbounditem` on `item` from `user` unless they are still entitled to it:
    its assignee, a member of its unit, an owner of the local case it is about, or the
    sender of the request it answers. True if the permission was taken."""
    if user is None or item_entitled(item, user):
        return False
    remove_perm("cases.view_inbounditem", user, item)
    return True


def item_entitled(item: Any, user: Any) -> bool:
    from cases.models import OutboundRequest

    if item.assigned_to_id == user.pk:
        return True
    if item.unit and user.is_active and user.unit == item.unit:
        return True
    case = item.local_case
    if case is not None and (
        case.created_by_id == user.pk or case.assigned.filter(pk=user.pk).exists()
    ):
        return True
    return bool(
        item.in_reply_to
        and OutboundRequest.objects.filter(envelope_id=item.in_reply_to, sent_by=user).exists()
    )


def revoke_unit(item: Any, unit: str) -> bool:
    """Take `view_inbounditem` on `item` from a unit's group (the item moved elsewhere)."""
    group = Group.objects.filter(name=unit_group_name(unit)).first() if unit else None
    if group is None:
        return False
    remove_perm("cases.view_inbounditem", group, item)
    return True


def sees_everything(user: Any) -> bool:
    return getattr(user, "role", "") in (Role.COORDINATOR, Role.ADMIN)


def is_auditor(user: Any) -> bool:
    return getattr(user, "role", "") == Role.AUDITOR
