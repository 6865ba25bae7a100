"""Filters of the alert history, shared by the page and `GET /api/v1/alerts/`.

They narrow `alerts.selectors.alert_history(user)` (already scoped to the alerts the
user may see); they never widen it.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from alerts.labels import KIND_LABELS
from alerts.models import Alert, AlertState, Urgency
from net247.lists import DayRange, ListForm, choice_filter, day_filter
from node.places import country_name

CREATED = DayRange("created_at")


def _kinds() -> list[tuple[str, str]]:
    return [(kind, str(label)) for kind, label in KIND_LABELS.items()]


def _countries() -> list[tuple[str, str]]:
    return [(code, country_name(code)) for code in sorted(settings.COUNTRY_TIME_ZONES)]


class AlertFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Title or summary"), method="search", max_length=100)
    state = choice_filter(_("State"), AlertState.choices)
    urgency = choice_filter(_("Urgency"), Urgency.choices)
    kind = choice_filter(_("Kind"), _kinds)
    origin = choice_filter(_("Origin"), _countries)
    since = day_filter(_("From"), CREATED.since)
    until = day_filter(_("To"), CREATED.until)

    class Meta:
        model = Alert
        fields: list[str] = []
        form = ListForm

    def search(self, qs: QuerySet[Alert], name: str, value: str) -> QuerySet[Alert]:
        """Title or summary, any part of it, case-insensitive."""
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(title__icontains=value) | Q(summary__icontains=value))
