"""Outcomes, actor kinds and roles of audit entries in words; action names and object
types stay as recorded (they are what an auditor searches and exports)."""

from __future__ import annotations

import json

from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

register = template.Library()

OUTCOME_LABELS: dict[str, Promise] = {
    "success": _("success"),
    "denied": _("denied"),
    "failure": _("failure"),
    "refused": _("refused"),
    "rejected": _("rejected"),
}
ACTOR_KIND_LABELS: dict[str, Promise] = {
    "user": _("user"),
    "peer": _("peer country"),
    "system": _("system"),
    "anonymous": _("anonymous"),
    "registry": _("blocking registry"),
}
# accounts.models.Role, named here because audit imports no app above it.
ROLE_LABELS: dict[str, Promise] = {
    "prosecutor": _("Prosecutor"),
    "coordinator": _("National coordinator"),
    "auditor": _("Auditor"),
    "admin": _("Administrator"),
    "registry": _("Blocking registry"),
}
# audit.checkpoint_status.Witness.state
WITNESS_STATE_LABELS: dict[str, Promise] = {
    "cosigned": _("co-signed the latest checkpoint"),
    "behind": _("behind: the latest checkpoint is not delivered yet"),
    "refused": _("refused the latest checkpoint"),
    "none": _("no checkpoint sent yet"),
}


@register.filter
def witness_state_label(value: str) -> Promise | str:
    return WITNESS_STATE_LABELS.get(value, value)


@register.filter
def as_json(value: object) -> str:
    """An entry's details as recorded (JSON), not as Python prints a dict."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def outcome_label(value: str) -> Promise | str:
    return OUTCOME_LABELS.get(value, value)


@register.filter
def actor_kind_label(value: str) -> Promise | str:
    return ACTOR_KIND_LABELS.get(value, value)


@register.filter
def role_label(value: str) -> Promise | str:
    return ROLE_LABELS.get(value, value)
