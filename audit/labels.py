"""The audit log's values in words for its page (the CSV export keeps the values)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

OUTCOME_LABELS: dict[str, Promise] = {
    "success": pgettext_lazy("audit outcome", "Success"),
    "denied": pgettext_lazy("audit outcome", "Denied"),
    "failure": pgettext_lazy("audit outcome", "Failure"),
    "refused": pgettext_lazy("audit outcome", "Refused"),
    "rejected": pgettext_lazy("audit outcome", "Rejected"),
}
ACTOR_KIND_LABELS: dict[str, Promise] = {
    "user": _("person"),
    "peer": _("another country's node"),
    "system": _("this node"),
    "anonymous": _("not logged in"),
}


def outcome_label(outcome: str) -> str:
    label = OUTCOME_LABELS.get(outcome)
    return str(label) if label is not None else outcome


def actor_kind_label(kind: str) -> str:
    label = ACTOR_KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def role_label(role: str) -> str:
    """A role as recorded (audit imports no app: the words are the accounts' own)."""
    from accounts.models import Role

    return str(Role(role).label) if role in Role.values else role
