"""Words for the legal map's values in stored comparisons (JSON kept with a case or a
received item): verdicts, reasons, confidence labels and statuses in the reader's
language, never the raw codes."""

from __future__ import annotations

from typing import Any

from django import template

from legal_map import reasons
from legal_map.models import EquivalenceKind, Status, verification_label
from legal_map.presentation import VERDICTS

register = template.Library()


@register.filter
def verdict_text(code: str) -> str:
    return str(VERDICTS.get(code, code))


@register.filter
def verdict_reasons(dual_criminality: dict[str, Any] | None) -> list[str]:
    """The reasons in the reader's language; a comparison stored before reasons carried
    codes keeps its English text."""
    if not dual_criminality:
        return []
    coded = dual_criminality.get("reason_codes")
    if coded:
        return [reasons.render_code(entry) for entry in coded]
    return [str(r) for r in dual_criminality.get("reasons", [])]


@register.filter
def verification_text(code: str) -> str:
    return verification_label(code)


@register.filter
def offence_status_text(code: str) -> str:
    return str(Status(code).label) if code in Status.values else code


@register.filter
def offence_title(result: dict[str, Any]) -> str:
    from django.utils import translation

    ru = (translation.get_language() or "ru").startswith("ru")
    first, second = ("title_ru", "title_en") if ru else ("title_en", "title_ru")
    return str(result.get(first) or result.get(second) or "")


@register.filter
def equivalence_kind_text(code: str) -> str:
    return str(EquivalenceKind(code).label) if code in EquivalenceKind.values else code


@register.filter
def ref_text(text: str) -> str:
    """An article, part or label as the catalogue names it, in the reader's language."""
    return reasons.ref_text(str(text or ""))


@register.filter
def score_percent(score: float | None) -> str:
    """The engine's similarity (0..1) as a whole percentage: '75 %', never '0,754'."""
    if score is None:
        return "—"
    from django.utils.formats import number_format

    return f"{number_format(round(float(score) * 100))}\u00a0%"
