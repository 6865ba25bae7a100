"""Filters of the audit log (page and CSV export), through django-filter.

`action` matches a dotted prefix too: "auth" finds auth.login; `outcome` is one of the
outcomes `audit_labels` words (success, denied, refused, ...). Times are the node's
local time as typed (2026-12-07 22:41, `node.widgets.IsoDateTimeInput`), to the minute.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from audit.forms import DATETIME_INPUT, FilterForm
from audit.models import AuditEntry
from audit.templatetags.audit_labels import OUTCOME_LABELS


class AuditFilter(django_filters.FilterSet):
    since = django_filters.DateTimeFilter(
        label=_("From"), field_name="at", lookup_expr="gte", widget=DATETIME_INPUT
    )
    until = django_filters.DateTimeFilter(
        label=_("Until"), field_name="at", lookup_expr="lt", widget=DATETIME_INPUT
    )
    actor = django_filters.CharFilter(label=_("Actor"), max_length=150)
    action = django_filters.CharFilter(
        label=_("Action"),
        method="action_or_prefix",
        max_length=64,
        help_text=_("Exact name or its beginning, for example:"),
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"), choices=list(OUTCOME_LABELS.items()), empty_label=_("any")
    )
    object_type = django_filters.CharFilter(label=_("Object type"), max_length=64)
    object_id = django_filters.CharFilter(label=_("Object id"), max_length=128)

    class Meta:
        model = AuditEntry
        fields: list[str] = []
        form = FilterForm

    def action_or_prefix(
        self, qs: QuerySet[AuditEntry], name: str, value: str
    ) -> QuerySet[AuditEntry]:
        return qs.filter(action=value) | qs.filter(action__startswith=value.rstrip(".") + ".")
