"""Indicator kinds in words on the cases' pages and fragments."""

from __future__ import annotations

from django import template

from cases.indicators import KIND_LABELS

register = template.Library()


@register.filter
def indicator_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind
