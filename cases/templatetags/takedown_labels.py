"""Takedown states and durations in words for the board and the statistics.

A state is never shown as its code (`under_review`): `{{ code|td_status }}` gives its
label in the page's language, `{{ code|td_icon }}` a shape that repeats it for those
who do not see the colour. `{{ seconds|span }}` is a duration with units and no zero
parts ("45 min", "3 h 5 min", "2 days"): never "0 h" nor "<1d".
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from cases.takedowns import ACTION_LABELS, status_label

register = template.Library()

ICONS = {
    "sent": "○",
    "received": "◔",
    "under_review": "◑",
    "order_issued": "◕",
    "blocked": "✓",
    "removed": "✓",
    "refused": "✕",
    "platform_unresponsive": "!",
}


@register.filter
def td_status(code: str) -> str:
    return status_label(code)


@register.filter
def td_icon(code: str) -> str:
    return ICONS.get(code, "?")


@register.filter
def td_action(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


@register.filter
def span(seconds: float | None) -> str:
    """A duration in the largest two units that are not zero."""
    if seconds is None:
        return "—"
    total = max(0, int(seconds))
    if total < 60:
        return ngettext("%(n)d second", "%(n)d seconds", total) % {"n": total}
    minutes = total // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if minutes and not days:
        parts.append(_("%(n)d min") % {"n": minutes})
    return " ".join(parts)


@register.filter
def td_next(current: str) -> list[dict[str, object]]:
    """Every state the decider may report from `current`: forward steps first, then
    the steps back (corrections, which need a reason)."""
    from cases.takedowns import STATUSES, is_forward

    forward = [s for s in STATUSES if is_forward(current, s)]
    back = [s for s in STATUSES if s not in forward]
    return [{"value": s, "label": status_label(s), "correction": s in back} for s in forward + back]


@register.filter
def mirror_source(source: str) -> str:
    """Where a proposed mirror was found, as stored by `cases.matching`: "case REF" for
    one of our cases, "CC REF" for an item received from country CC."""
    kind, _sep, ref = (source or "").partition(" ")
    if kind == "case":
        return _("our case %(ref)s") % {"ref": ref}
    if len(kind) == 2 and kind.isupper():
        return _("item %(ref)s received from %(country)s") % {"ref": ref, "country": kind}
    return source


CODES = {"CC": _lazy("Criminal Code"), "CAO": _lazy("Code of Administrative Offences")}


@register.filter
def td_code(code: str) -> str:
    """The code of a legal basis as the wire carries it ("CC") in words."""
    label = CODES.get(code)
    return str(label) if label is not None else code


@register.simple_tag
def td_decided(item: Any) -> list[dict[str, Any]]:
    """`{% td_decided item as rows %}`: each target of a received request with the steps
    this node reported, folded (cases.takedowns.decided)."""
    from cases.takedowns import decided

    return decided(item)


@register.filter
def td_kept_for(report: dict[str, Any], target: str) -> dict[str, Any]:
    """The refused step typed for this target (to show again with its errors), or
    nothing: only the form that was sent keeps its input."""
    return report if report and report.get("target") == target else {}
