"""Wording of the verdict reasons the engine returns as codes.

The API's JSON carries the codes with their parameters (`reason_codes`) and the English
text (`reasons`, a neutral language between the five nodes, and what cases sends across
borders); pages render the same codes in the reader's language. Element tags are shown
as their labels and confidence labels as words, never as raw values.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from legal_map.engine import Reason
from legal_map.models import verification_label
from legal_map.vocabulary import BY_TAG

TEMPLATES = {
    "purpose": _("Purpose: %(purpose)s."),
    "source_draft": _(
        "%(source)s is a draft, not law: there is no offence of the requesting state to "
        "compare, so dual criminality cannot be met."
    ),
    "source_contravention": _(
        "%(source)s is a contravention (an administrative offence), not a crime: "
        "extradition and legal assistance in criminal matters do not apply to it."
    ),
    "source_not_in_force": _("The source offence %(source)s was not in force on %(date)s."),
    "assumed": _(
        "Assumed from the charge under %(source)s (its required elements, not stated in "
        "the facts): %(elements)s."
    ),
    "alternative_judged": _(
        "The facts do not say which alternative of %(source)s applies; each was judged "
        "and the weakest decides: %(elements)s."
    ),
    "facts_contradict": _(
        "The facts (%(facts)s) contradict %(elements)s, which %(source)s requires on "
        "%(date)s: the facts do not make out %(source)s."
    ),
    "other_acts": _(
        "The facts describe other conduct (%(elements)s) than %(source)s requires: "
        "the facts do not make out %(source)s."
    ),
    "unnamed_group": _(
        "%(source)s requires one of %(elements)s, and the facts name none: the facts do "
        "not make out %(source)s."
    ),
    "not_made_out": _(
        "Because the facts do not make out %(source)s, dual criminality cannot be "
        "confirmed; correct the source article or the facts."
    ),
    "complete": _("%(offence)s has every required element established: %(elements)s."),
    "labels": _("Confidence of the records: source %(source)s, target %(target)s."),
    "secondary_only": _(
        "Both records rest on secondary sources, not on the official consolidated text: "
        "check the national code before relying on it."
    ),
    "top_unverified": _(
        "%(offence)s ranks first, but its record is only partly verified or unverified: "
        "the verdict does not rest on it."
    ),
    "also_complete": _("Also complete: %(offences)s."),
    "source_unverified": _(
        "The source record %(source)s is only partly verified or unverified: check the "
        "national code before relying on it."
    ),
    "rests_on_unverified": _(
        "The matching offence's record is only partly verified or unverified: check the "
        "national code before relying on it."
    ),
    "closest_missing": _(
        "The closest offence in force, %(offence)s, requires %(elements)s, "
        "which the facts do not establish."
    ),
    "would_change_missing": _("What would change the verdict: facts establishing %(elements)s."),
    "related_only": _(
        "Only a related offence of the same ICCS line (%(iccs)s) is in the catalogue: "
        "%(offence)s, which requires %(elements)s; check complicity or another article."
    ),
    "catalogue_gap": _(
        "Catalogue gap: the catalogue holds no offence of %(country)s in force on %(date)s "
        "that covers the conduct. This is not a finding that the conduct is lawful "
        "there: check the national code."
    ),
    "coverage_gap": _(
        "Catalogue gap: the catalogue does not cover the law of %(country)s on %(date)s; "
        "check the national code in force then."
    ),
    "day_unknown": _(
        "The day an amendment of %(country)s took effect is not known, and the verdict "
        "turns on it: check the official publication."
    ),
    "law_changed": _(
        "The law of %(country)s differs between the conduct (%(conduct)s) and the "
        "decision (%(decision)s); both were judged and the weaker verdict stands."
    ),
    "penalty_ok": _(
        "Penalty: %(source)s carries up to %(source_max)s and %(offence)s up to %(max)s "
        "of deprivation of liberty, at least one year on both sides."
    ),
    "penalty_source_below": _(
        "Penalty: %(source)s carries at most %(max)s of deprivation of liberty, less than "
        "the year extradition requires."
    ),
    "penalty_target_below": _(
        "Penalty: %(offence)s carries at most %(max)s of deprivation of liberty, less "
        "than the year extradition requires."
    ),
    "penalty_source_none": _(
        "Penalty: %(source)s carries no deprivation of liberty; extradition requires at "
        "least one year."
    ),
    "penalty_target_none": _(
        "Penalty: %(offence)s carries no deprivation of liberty; extradition requires at "
        "least one year."
    ),
    "penalty_unknown": _(
        "Penalty: the catalogue does not hold the penalty of %(offence)s, so the one-year "
        "threshold for extradition cannot be checked."
    ),
    "not_compared": _(
        "The legal map could not compare %(offence)s (it has no record of it, or the "
        "request was incomplete): compare it by hand."
    ),
    "unknown_facts": _("Facts this node's vocabulary does not know were left out: %(facts)s."),
    "draft": _("%(offence)s is a draft, not law: shown for information only."),
    "not_in_force": _("%(offence)s was not in force on %(date)s."),
    "administrative": _("%(offence)s is an administrative offence, not a crime."),
    "curated": _("Curated equivalence (%(kind)s) to %(offence)s: %(note)s"),
}

PURPOSES = {
    "extradition": _("extradition (at least one year's deprivation of liberty on both sides)"),
    "mla": _("mutual legal assistance (a crime on both sides)"),
    "takedown": _("takedown (the conduct unlawful in the requested state, crime or contravention)"),
}

YEARS = ("%(n)s year", "%(n)s years")
MONTHS = ("%(n)s month", "%(n)s months")
# Marked for makemessages; looked up with ngettext when a reason is rendered.
_plural_marks = (
    ngettext_lazy("%(n)s year", "%(n)s years", 1),
    ngettext_lazy("%(n)s month", "%(n)s months", 1),
)
LIFE = _("life imprisonment")
NONE = _("no term (the penalty has no deprivation of liberty)")

LABEL_CODE = re.compile(
    r"\((verified_official|verified_secondary|verified|partly_verified|unverified_memory|unverified)\)"
)


# The catalogue's names for parts without a number, in the reader's language.
REF_WORDS = {
    "(client of a minor)": _("(client of a minor)"),
    "(cross-border)": _("(cross-border)"),
    "(draft code)": _("(draft code)"),
    "(draft law 2023)": _("(draft law 2023)"),
    "(for exploitation)": _("(for exploitation)"),
    "(group)": _("(group)"),
    "(illegal migration)": _("(illegal migration)"),
    "(minor)": _("(minor)"),
    "(minor, no means)": _("(minor, no means)"),
    "(organised group)": _("(organised group)"),
    "(organising prostitution)": _("(organising prostitution)"),
    "(webcam 2024)": _("(webcam 2024)"),
}
REF_WORD = re.compile("|".join(re.escape(w) for w in REF_WORDS))
REF_PART = re.compile(r"(?<=[\w)?]) p\.(?=[\w(])")
REF_ITEM = re.compile(r" item (?=\w)")
# The catalogue writes '?' where the article's number was not found in a source.
REF_NO_NUMBER = re.compile(r"(?<![\w?])\?(?= \(|$)")


def ref_text(text: str) -> str:
    """'KZ 309 p.2 item 4', 'KG ? (webcam 2024) p.(minor)' in the reader's language; an
    article whose number no source gave reads "unnumbered", not '?'."""
    text = REF_NO_NUMBER.sub(lambda m: str(_("unnumbered")), text)
    text = REF_WORD.sub(lambda m: str(REF_WORDS[m[0]]), text)
    text = REF_PART.sub(" " + str(_("p.")), text)
    return REF_ITEM.sub(" " + str(_("item")) + " ", text)


def _labels(text: str) -> str:
    """'KZ 312 p.1 (unverified)' -> 'KZ 312 ч.1 (не проверено ...)' in the language."""
    return ref_text(LABEL_CODE.sub(lambda m: f"({verification_label(m[1])})", text))


def _term(value: str) -> str:
    """'5' -> '5 years', '6m' -> '6 months', 'life', in the language."""
    if value == "life":
        return str(LIFE)
    if value == "none":
        return str(NONE)
    if value == "?":
        return value
    text, forms = (value[:-1], MONTHS) if value.endswith("m") else (value, YEARS)
    number = float(text)
    count = int(number) if number.is_integer() else 2  # "1.5 года": the form of 2
    return ngettext(forms[0], forms[1], count) % {"n": text}


def tag_label(tag: str) -> str:
    """A tag, or an 'a|b' group, in the active language."""
    ru = (translation.get_language() or "ru").startswith("ru")
    names = []
    for t in tag.split("|"):
        entry = BY_TAG.get(t)
        names.append((entry.label_ru if ru else entry.label_en) if entry else t)
    return (" или " if ru else " or ").join(names)


def _params(code: str, params: Mapping[str, Any], label: Callable[[str], str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, list):
            out[key] = "; ".join(label(str(t)) for t in value) or "-"
        elif code == "purpose" and key == "purpose":
            out[key] = str(PURPOSES.get(str(value), value))
        elif key in ("max", "source_max"):
            out[key] = _term(str(value))
        else:
            out[key] = _labels(str(value))
    return out


def render(reason: Reason, label: Callable[[str], str] = tag_label) -> str:
    """The reason in the active language; element lists through `label`."""
    return str(TEMPLATES[reason.code]) % _params(reason.code, reason.params, label)


def render_code(entry: Mapping[str, Any]) -> str:
    """A stored `{"code", "params"}` (from the JSON) in the active language; a code this
    node does not know (a newer peer's) is shown by its English text if stored."""
    code = str(entry.get("code", ""))
    if code not in TEMPLATES:
        return str(entry.get("text", code))
    return render(Reason(code, dict(entry.get("params", {}))))


def render_en(reason: Reason) -> str:
    """English, with tags as their English labels."""
    return render_all_en([reason])[0]


def render_all_en(reasons: list[Reason]) -> list[str]:
    try:
        return [_render_en_cached(r.code, _frozen(r.params)) for r in reasons]
    except TypeError:  # a parameter that cannot be a key: render without the cache
        with translation.override("en"):
            return [render(r) for r in reasons]


def _frozen(params: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(params.items()))


@functools.lru_cache(maxsize=2048)
def _render_en_cached(code: str, params: tuple[tuple[str, Any], ...]) -> str:
    """English texts go into every JSON answer, mostly the same few: rendered once."""
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in params}
    with translation.override("en"):
        return render(Reason(code, plain))
