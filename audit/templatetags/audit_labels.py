"""Words for the audit log's outcomes, actor kinds and roles on its page."""

from __future__ import annotations

from django import template

from audit import labels

register = template.Library()
register.filter("outcome_label", labels.outcome_label)
register.filter("actor_kind_label", labels.actor_kind_label)
register.filter("role_label", labels.role_label)
