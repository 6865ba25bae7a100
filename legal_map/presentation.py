"""A comparison as a page shows it: verdict, reasons and offences in the reader's language.

Shared by the legal map's explorer and by the pages of other apps that show what the
law of this node says about a received case (the duty desk's alert page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from legal_map import engine, reasons, services
from legal_map.models import Status, verification_label
from legal_map.vocabulary import BY_TAG

VERDICTS = {
    "satisfied": gettext_lazy("dual criminality satisfied"),
    "not_satisfied": gettext_lazy("dual criminality not satisfied"),
    "uncertain": gettext_lazy("dual criminality uncertain"),
}


# The language of each country's statutes as the catalogue quotes them (`title_national`):
# pages mark those titles with it (lang="ro"), so a screen reader reads them as Romanian.
NATIONAL_LANGUAGES = {"MD": "ro", "KZ": "kk", "KG": "ky", "UZ": "uz", "TJ": "tg"}


def badge(verification: str) -> dict[str, str]:
    """The confidence label as shown everywhere: its own class and words, never 'verified'
    for a record that is not."""
    return {"code": verification, "text": verification_label(verification)}


def _ru() -> bool:
    return (translation.get_language() or "ru").startswith("ru")


def label(tag: str) -> str:
    """A tag, or an 'a|b' alternative group, in the reader's language."""
    names = []
    for t in tag.split("|"):
        entry = BY_TAG.get(t)
        names.append((entry.label_ru if _ru() else entry.label_en) if entry else t)
    return (" " + _("or") + " ").join(names)


def short(tag: str) -> str:
    """A compact label for the side-by-side columns (the full one goes in a tooltip)."""
    return " / ".join(label(t).split(" (")[0].split(":")[0] for t in tag.split("|"))


def _chips(tags: list[str]) -> list[dict[str, str]]:
    return [{"text": short(t), "title": label(t)} for t in tags]


def _title(ru: str, en: str) -> str:
    return (ru or en) if _ru() else (en or ru)


def _match_view(m: engine.Match) -> dict[str, Any]:
    return {
        "m": m,
        "title": _title(m.title_ru, m.title_en),
        "badge": badge(m.offence.verification),
        "status": str(Status(m.offence.status).label),
        "matched": _chips(m.matched),
        "missing": _chips(m.missing),
        "uncovered": _chips(m.uncovered),
    }


SHOWN = 6


def _shown(results: list[engine.Match]) -> list[engine.Match]:
    """The best offences in force, then every draft or repealed one (always worth a look:
    a draft such as KZ 309-1 must be seen as a draft, not missed)."""
    in_force = [m for m in results if m.in_force_at_date]
    return in_force[:SHOWN] + [m for m in results if not m.in_force_at_date]


def comparison_view(
    offence: dict[str, str],
    to_country: str,
    facts: list[str],
    date: dt.date,
    limit: int = 4,
    purpose: str = "mla",
) -> dict[str, Any] | None:
    """How an offence of another country compares with `to_country`'s law at `date`, for a
    page; None when the catalogue does not know the offence (the page says so)."""
    usable = [f for f in dict.fromkeys(facts) if f in BY_TAG]
    try:
        c = services.comparison(
            offence.get("country", ""),
            offence.get("article", ""),
            offence.get("part", ""),
            to_country,
            usable,
            date,
            purpose=purpose,
        )
    except (LookupError, ValueError):
        return None
    return {
        "verdict": c.verdict,
        "verdict_text": str(VERDICTS[c.verdict]),
        "reasons": [reasons.render(r, short) for r in c.reasons],
        "results": [_match_view(m) for m in _shown(c.results)][:limit],
        "source": c.source,
        "source_title": _title(c.source.title_ru, c.source.title_en),
        "date": c.date,
        "unknown_facts": [f for f in facts if f not in BY_TAG],
    }
