"""Filters of the case and received-item lists, shared by the pages and the REST API.

The querysets they narrow come from `cases.selectors` (already scoped to what the user
may see); a FilterSet only narrows, it never widens.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases import access
from cases.models import Case, InboundItem, Urgency
from net247.lists import DayRange, ListForm, choice_filter, day_filter
from node.places import country_name

CREATED = DayRange("created_at")
RECEIVED = DayRange("received_at")


def _countries() -> list[tuple[str, str]]:
    return [(code, country_name(code)) for code in sorted(settings.COUNTRY_TIME_ZONES)]


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Reference or title"), method="search", max_length=100)
    status = choice_filter(_("Status"), Case.Status.choices)
    urgency = choice_filter(_("Urgency"), Urgency.choices)
    since = day_filter(_("Created from"), CREATED.since)
    until = day_filter(_("Created until"), CREATED.until)

    class Meta:
        model = Case
        fields: list[str] = []
        form = ListForm

    def search(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        """Reference or title, any part of it, case-insensitive."""
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(reference__icontains=value) | Q(title__icontains=value))


class InboundFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Reference or title"), method="search", max_length=100)
    kind = choice_filter(_("Kind"), InboundItem.Kind.choices)
    status = choice_filter(_("Status"), InboundItem.Status.choices)
    origin = choice_filter(_("Origin"), _countries)
    urgency = choice_filter(_("Urgency"), Urgency.choices)
    since = day_filter(_("Received from"), RECEIVED.since)
    until = day_filter(_("Received until"), RECEIVED.until)

    class Meta:
        model = InboundItem
        fields: list[str] = []
        form = ListForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.request is not None and access.is_auditor(self.request.user):
            # Auditors see metadata only: a search over titles and references would let
            # them probe the content they may not read.
            del self.filters["q"]

    def search(self, qs: QuerySet[InboundItem], name: str, value: str) -> QuerySet[InboundItem]:
        """The sender's reference or the title, any part of it, case-insensitive."""
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(ref__icontains=value) | Q(title__icontains=value))
