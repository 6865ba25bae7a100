"""Latency histograms for /metrics, counted by the database in one aggregate query.

For each row, `end - start` is counted into cumulative buckets (Prometheus's `le`
buckets: a row counts in every bucket whose bound it does not exceed), with the total and
the sum of seconds, optionally per value of one grouping column. Only the aggregates leave
the database. Callers bound the rows they pass (a time window on an indexed column, or a
count of recent rows), so that a scrape costs the same on the first day and after years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import models
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum


@dataclass(frozen=True)
class Buckets:
    cumulative: list[int]  # rows with end - start <= bounds[i], per bound
    count: int  # every row (the +Inf bucket)
    sum_seconds: float


def buckets(
    rows: models.QuerySet[Any],
    end: str,
    start: str,
    bounds: Sequence[float],
    by: str | None = None,
) -> dict[str, Buckets]:
    """`rows` counted by `end - start` (field paths, relations allowed) into `bounds`
    (seconds, ascending); keyed by the value of `by`, or under "" without it."""
    aggregates: dict[str, Any] = {
        f"le{i}": Count("pk", filter=Q(**{f"{end}__lte": F(start) + timedelta(seconds=bound)}))
        for i, bound in enumerate(bounds)
    }
    took = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    aggregates.update(total=Count("pk"), took=Sum(took))
    if by is None:
        figures = [("", rows.aggregate(**aggregates))]
    else:
        grouped = rows.order_by().values(by).annotate(**aggregates)
        figures = [(str(row[by]), row) for row in grouped]
    result = {}
    for key, row in figures:
        took_sum = row["took"]
        result[key] = Buckets(
            cumulative=[int(row[f"le{i}"]) for i in range(len(bounds))],
            count=int(row["total"]),
            sum_seconds=took_sum.total_seconds() if took_sum is not None else 0.0,
        )
    return result
