"""The legal map as cases uses it: a received offence compared without failing the message,
and the catalogue's offences and facts offered in the reader's language.

Why a module of its own: a peer's message may name an offence this node's catalogue does
not know, or fact tags from a newer vocabulary; a notification must still be stored, so
those are turned into an 'uncertain' comparison that names them instead of an error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from legal_map import presentation, reasons, services, vocabulary
from legal_map.models import Offence
from node import places

# An offence picked in a form travels as "country|code|article|part".
OFFENCE_SEP = "|"
# The API's article and part syntax (cases.api.serializers.LegalRefSerializer).
_REF = re.compile(r"^[0-9A-Za-z./-]{1,20}$")


def compare(
    offence: Mapping[str, Any],
    to_country: str,
    facts: list[str],
    date: dt.date,
    purpose: str = "mla",
) -> dict[str, Any]:
    """The legal map's comparison (issue-4 JSON) of an offence for a target country, for
    a purpose (a notification or request: mutual legal assistance; a takedown: whether
    the conduct is unlawful here).

    Fact tags this node's vocabulary does not know (a sender's newer tags) are left out
    of the comparison and named in its reasons, rather than failing the message."""
    known = facts_vocabulary()
    usable = [f for f in dict.fromkeys(facts) if f in known]
    unknown = [f for f in facts if f not in known]
    try:
        result = services.compare(
            str(offence.get("country", "")),
            str(offence.get("article", "")),
            str(offence.get("part", "")),
            to_country,
            usable,
            date,
            purpose=purpose,
        )
    except (LookupError, ValueError) as exc:
        # An offence the catalogue does not know: say so rather than fail the message.
        label = " ".join(
            str(offence.get(k, "")) for k in ("country", "article", "part") if offence.get(k)
        )
        coded = {"code": "not_compared", "params": {"offence": label, "error": str(exc)}}
        return {
            "source": dict(offence),
            "target_country": to_country,
            "results": [],
            "dual_criminality": {
                "verdict": "uncertain",
                "purpose": purpose,
                "reasons": [str(exc)],
                "reason_codes": [{**coded, "text": str(exc)}],
            },
        }
    if unknown:
        text = f"facts not in this node's vocabulary, left out: {', '.join(unknown)}"
        verdict = result["dual_criminality"]
        verdict["reasons"] = [*verdict.get("reasons", []), text]
        verdict["reason_codes"] = [
            *verdict.get("reason_codes", []),
            {"code": "unknown_facts", "params": {"facts": unknown}, "text": text},
        ]
    return result


def fact_errors(facts: list[str]) -> list[str]:
    """What is wrong with a list of fact tags (empty when valid)."""
    return services.validate_facts(facts)


def facts_vocabulary() -> set[str]:
    """The legal map's fact tags."""
    return {str(v["tag"]) for v in services.facts_vocabulary()}


def offence_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue's offences grouped by country, labelled in the reader's language:
    'art. 220/1 p. 1 — <title> (Criminal Code 2002)'. A part the API cannot carry (a
    descriptive limb such as '(for exploitation)') is offered at the article's level."""
    kinds = {"criminal": _("Criminal Code"), "contravention": _("Contravention Code")}
    groups: dict[str, list[tuple[str, str]]] = {}
    seen: set[str] = set()
    rows = Offence.objects.filter(record_kind="offence").order_by("country", "position")
    for o in rows:
        part = o.part if _REF.match(o.part or "") else ""
        value = OFFENCE_SEP.join((o.country, o.code, o.article, part))
        if value in seen or not _REF.match(o.article):
            continue
        seen.add(value)
        year = re.search(r"(19|20)\d\d", o.code)
        code = f"{kinds.get(o.code_kind, o.code_kind)}{' ' + year[0] if year else ''}"
        where = f"{_('art.')} {reasons.ref_text(o.article)}"
        if part:
            where += f" {_('p.')} {reasons.ref_text(part)}"
        title = presentation._title(o.title_ru, o.title_en)
        groups.setdefault(o.country, []).append((value, f"{where} — {title} ({code})"))
    return [(f"{places.country_name(c)} ({c})", opts) for c, opts in sorted(groups.items())]


def fact_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The legal map's fact vocabulary grouped by kind, labels in the reader's language
    (the explorer's own labels: one vocabulary, one wording)."""
    groups: dict[str, list[tuple[str, str]]] = {k: [] for k in vocabulary.KINDS}
    for t in vocabulary.TAGS:
        groups.setdefault(t.kind, []).append((t.tag, presentation.label(t.tag)))
    return [
        (str(vocabulary.KIND_LABELS.get(k, k)).capitalize(), opts)
        for k, opts in groups.items()
        if opts
    ]


def fact_label(tag: str) -> str:
    return presentation.label(tag)
