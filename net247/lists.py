"""What every list page shares: the filter form, day bounds in the node's zone, pages.

A list page and its REST endpoint filter through the same `django_filters.FilterSet`
(the page binds it to `request.GET`, the API through `DjangoFilterBackend`), so both
return the same rows for the same query string. Pages are numbered and counted: a list
is never cut silently; the page says how many rows match and how many pages there are.

Invalid filter values never reach the database: the page shows the error next to the
field (the form keeps what was typed) and lists nothing; the API answers 400 with the
field's error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

import django_filters
from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.views import APIView

from node import places
from node.widgets import IsoDateInput

PER_PAGE = 50
M = TypeVar("M", bound=Model)


def day_start(day: date) -> datetime:
    """The first instant of `day` on the node's clock (what a user means by a date)."""
    return datetime.combine(day, time.min, places.zone_of(None))


def day_after(day: date) -> datetime:
    """The first instant after `day` on the node's clock: `until` includes the whole day."""
    return day_start(day + timedelta(days=1))


class DayRange:
    """`since`/`until` filter methods over one datetime field, in whole local days."""

    def __init__(self, field: str) -> None:
        self.field = field

    def since(self, qs: QuerySet[Any], name: str, value: date | None) -> QuerySet[Any]:
        return qs.filter(**{f"{self.field}__gte": day_start(value)}) if value else qs

    def until(self, qs: QuerySet[Any], name: str, value: date | None) -> QuerySet[Any]:
        return qs.filter(**{f"{self.field}__lt": day_after(value)}) if value else qs


def day_filter(label: Any, method: Any) -> django_filters.DateFilter:
    return django_filters.DateFilter(label=label, method=method, widget=IsoDateInput())


def choice_filter(label: Any, choices: Any, **kwargs: Any) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(label=label, choices=choices, empty_label=_("any"), **kwargs)


class ListForm(forms.Form):
    """The form of every list's FilterSet (`Meta.form`): a date range that runs forwards
    and dates the database can hold (year 1 in UTC+5 is before year 1 in UTC)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("since", "until"):
            value = data.get(name)
            if value is not None and not 1970 <= value.year <= 9998:
                self.add_error(name, _("Enter a date between 1970 and 9998."))
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date must not be before the start date."))
        return data


@dataclass(frozen=True)
class ListPage(Generic[M]):
    """One page of a filtered list, with what the template needs to link the others."""

    filterset: django_filters.FilterSet
    page: Page[M]
    query: str  # the filters as a query string, without `page`
    valid: bool


def _rows(listed: QuerySet[Any], ids: list[Any]) -> list[Any]:
    """The rows of `ids`, loaded as `listed` loads them (related rows, deferred fields),
    in the order of `ids`. Not filtered by `listed` again: the ids came from it, and its
    filters (a user's scope, a search) would be evaluated a second time."""
    if not ids:
        return []
    fetch = listed.model._default_manager.filter(pk__in=ids).order_by()
    fetch.query.select_related = listed.query.select_related
    fetch.query.deferred_loading = listed.query.deferred_loading
    by_id = {row.pk: row for row in fetch}
    return [by_id[pk] for pk in ids if pk in by_id]


class IdsFirst(Paginator):  # type: ignore[type-arg]
    """Reads a page in two steps: the ids of its rows (in the list's order, which the
    order indexes answer without touching the table), then those rows. OFFSET then
    skips index entries instead of whole rows: page 900 of 50,000 items costs about
    what page 1 does."""

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        listed: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        ids = list(listed.values_list("pk", flat=True)[bottom:top])
        return Page(_rows(listed, ids), number, self)


class _Counted(IdsFirst):
    """A paginator told the number of rows (a list whose total is known without COUNT)."""

    def __init__(self, rows: Any, per_page: int, total: int) -> None:
        super().__init__(rows, per_page)
        self.total = total

    @property
    def count(self) -> int:
        return self.total


def page_of(
    request: HttpRequest,
    filterset: django_filters.FilterSet,
    per_page: int = PER_PAGE,
    total: Callable[[], int] | None = None,
) -> ListPage[Any]:
    """The requested page of the FilterSet's rows; nothing when the filters are invalid.
    `total`, when given, counts the rows when no filter is set (cheaper than COUNT(*))."""
    valid = filterset.is_valid()
    rows = filterset.qs if valid else filterset.queryset.none()
    unfiltered = valid and not any(filterset.form.cleaned_data.values())
    paginator = (
        _Counted(rows, per_page, total()) if total and unfiltered else IdsFirst(rows, per_page)
    )
    page = paginator.get_page(request.GET.get("page"))
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    for key in [k for k, v in query.items() if not v]:
        query.pop(key)
    return ListPage(filterset=filterset, page=page, query=query.urlencode(), valid=valid)


def filter_params(data: Any, filterset_class: type[django_filters.FilterSet]) -> dict[str, str]:
    """The query parameters that name a filter of the set, as the list read's audit entry
    records them (what was asked, bounded; the FilterSet validates them)."""
    names = filterset_class.base_filters.keys()
    return {k: str(data.get(k, ""))[:100] for k in names if data.get(k, "")}


def is_partial(request: HttpRequest) -> bool:
    """An htmx request for the listing alone (not a history restore, which wants the page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def render_list(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """The whole page, or only its listing (filters, rows, pages) for htmx; the response
    varies on HX-Request so a cache never serves one for the other."""
    response = render(request, partial if is_partial(request) else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def api_filtered(request: Request, queryset: QuerySet[M], view: APIView) -> QuerySet[M]:
    """The API's side of the same filters: the view's `filterset_class` through
    DjangoFilterBackend (invalid values answer 400 with the field's error)."""
    filtered: QuerySet[M] = DjangoFilterBackend().filter_queryset(request, queryset, view)
    return filtered


def schema_parameters(filterset_class: type[django_filters.FilterSet]) -> list[OpenApiParameter]:
    """The FilterSet's filters as OpenAPI query parameters (choices as enums)."""
    params = []
    for name, f in filterset_class.base_filters.items():
        kind: Any = OpenApiTypes.DATE if isinstance(f, django_filters.DateFilter) else str
        choices = f.extra.get("choices")
        enum = [c[0] for c in (choices() if callable(choices) else choices)] if choices else None
        params.append(OpenApiParameter(name, kind, required=False, enum=enum))
    return params
