"""A part's penalties in the reader's language, from the catalogue's structured records
(the catalogue's own penalty text is English prose)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

KINDS = {
    "imprisonment": _("deprivation of liberty"),
    "fine": _("fine"),
    "confiscation": _("confiscation of property"),
    "deprivation_of_right": _(
        "deprivation of the right to hold certain posts or to engage in a certain activity"
    ),
    "correctional_labour": _("correctional labour"),
    "arrest": _("arrest"),
    "community_work": _("community work"),
}
MONEY = {
    "conventional_units": _("conventional units"),
    "MRP": _("monthly calculation indices (MRP)"),
    "BCA": _("base calculation amounts (BCA)"),
    "USD": _("US dollars"),
    "indicators": _("calculation indicators"),
    "minimum_wages": _("minimum wages"),
}


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    number = int(value) if float(value).is_integer() else value
    if unit == "years":
        return ngettext("%(n)s year", "%(n)s years", int(value)) % {"n": number}
    if unit == "months":
        return ngettext("%(n)s month", "%(n)s months", int(value)) % {"n": number}
    if unit == "hours":
        return ngettext("%(n)s hour", "%(n)s hours", int(value)) % {"n": number}
    return f"{number} {MONEY.get(unit, unit)}".strip()


def describe(penalty: dict[str, Any]) -> str:
    """'deprivation of liberty from 4 to 7 years', 'fine up to 3000 conventional units'."""
    kind = str(KINDS.get(penalty.get("kind", ""), penalty.get("kind", "")))
    unit = penalty.get("unit") or ""
    low, high = penalty.get("min"), penalty.get("max")
    if low is not None and high is not None:
        text = str(_("%(kind)s from %(min)s to %(max)s")) % {
            "kind": kind,
            "min": int(low) if float(low).is_integer() else low,
            "max": _amount(high, unit),
        }
    elif high is not None:
        text = str(_("%(kind)s up to %(max)s")) % {"kind": kind, "max": _amount(high, unit)}
    elif low is not None:
        text = str(_("%(kind)s from %(min)s")) % {"kind": kind, "min": _amount(low, unit)}
    else:
        text = kind
    if penalty.get("subject") == "legal_entity":
        text = str(_("legal entity: %(penalty)s")) % {"penalty": text}
    if penalty.get("from") or penalty.get("to"):
        text += " (" + "–".join(str(penalty.get(k) or "") for k in ("from", "to")) + ")"
    return text


def describe_all(penalties: list[dict[str, Any]] | None) -> list[str]:
    return [describe(p) for p in penalties or []]
