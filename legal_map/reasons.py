"""Wording of the verdict reasons the engine returns as codes.

The JSON of the API and the command is in English (a neutral language between the five
nodes, and what cases sends across borders); pages render the same reasons in the
reader's language, with element tags as their labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from legal_map.engine import Reason
from legal_map.models import Verification

TEMPLATES = {
    "source_not_in_force": _("The source offence %(source)s was not in force on %(date)s."),
    "complete": _("%(offence)s has every required element established: %(elements)s."),
    "top_unverified": _("%(offence)s ranks first but is not verified against an official text."),
    "also_complete": _("Also complete: %(offences)s."),
    "source_unverified": _("The source record %(source)s is not verified."),
    "rests_on_unverified": _(
        "The match rests on records that are not verified against an official text; "
        "check the national code before relying on it."
    ),
    "closest_missing": _(
        "The closest offence in force, %(offence)s, requires %(elements)s, "
        "which the facts do not establish."
    ),
    "related_only": _(
        "Only a related offence of the same ICCS line (%(iccs)s) is in the catalogue: "
        "%(offence)s, which requires %(elements)s; check complicity or another article."
    ),
    "none": _(
        "No criminal offence of %(country)s in force on %(date)s in the catalogue "
        "covers the conduct."
    ),
    "draft": _("%(offence)s is a draft, not law: shown for information only."),
    "not_in_force": _("%(offence)s was not in force on %(date)s."),
    "administrative": _("%(offence)s is an administrative offence, not a crime."),
    "curated": _("Curated equivalence (%(kind)s) to %(offence)s: %(note)s"),
}


LABEL_CODE = re.compile(r"\((verified_secondary|verified|partly_verified|unverified_memory)\)")


def _labels(text: str) -> str:
    """'KZ 312 (unverified_memory)' -> 'KZ 312 (unverified (lead only))' in the language."""
    return LABEL_CODE.sub(lambda m: f"({Verification(m[1]).label})", text)


def render(reason: Reason, label: Callable[[str], str] = str) -> str:
    """The reason in the active language; element lists through `label`."""
    params = {
        k: (", ".join(label(t) for t in v) or "-") if isinstance(v, list) else _labels(v)
        for k, v in reason.params.items()
    }
    return str(TEMPLATES[reason.code]) % params


def render_en(reason: Reason) -> str:
    """English, with the confidence labels as their codes (the JSON's vocabulary)."""
    params = {
        k: (", ".join(v) or "-") if isinstance(v, list) else v for k, v in reason.params.items()
    }
    with translation.override("en"):
        return str(TEMPLATES[reason.code]) % params
