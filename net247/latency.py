"""Latency histograms for /metrics, counted by the database: `end - start` of each row,
cumulative per bound, the way Prometheus histograms are (its `le` buckets)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import models
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum


def buckets(
    rows: models.QuerySet[Any], end: str, start: str, bounds: Sequence[float]
) -> tuple[list[int], int, float]:
    from datetime import timedelta

    from django.db.models import F

    from django.db.models import DurationField, ExpressionWrapper, F, Sum

    aggregates: dict[str, Any] = {
        f"le{i}": Count("pk", filter=Q(**{f"{end}__lte": F(start) + timedelta(seconds=b)}))
        for i, b in enumerate(bounds)
    }
    took = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    figures = rows.aggregate(total=Count("pk"), took=Sum(took), **aggregates)
    seconds = figures["took"].total_seconds() if figures["took"] is not None else 0.0
    return [int(figures[f"le{i}"]) for i in range(len(bounds))], int(figures["total"]), seconds
