"""The calls cases makes into exchange, legal_map and alerts, in one place.

Why: these apps are built alongside cases; keeping every cross-app call here (with the
signature DEVELOPERS.md gives) means one file to adapt if an interface moves, and one
place to read to see what cases depends on. Imports happen at call time so that cases
loads even while another app is being rebuilt.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def send(
    *,
    type: str,
    to: list[str],
    body: dict[str, Any],
    handling: str,
    thread: str | None = None,
    in_reply_to: str | None = None,
    actor: Any = None,
) -> Any:
    """Sign and queue (outbox) inside the caller's transaction; returns OutboundMessage."""
    services = importlib.import_module("exchange.services")

    return services.message_send(
        type=type,
        to=to,
        body=body,
        handling=handling,
        thread=thread,
        in_reply_to=in_reply_to,
        actor=actor,
    )


def compare(
    offence: dict[str, str],
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
    services = importlib.import_module("legal_map.services")
    known = facts_vocabulary()
    usable = [f for f in dict.fromkeys(facts) if f in known]
    unknown = [f for f in facts if f not in known]
    try:
        result: dict[str, Any] = services.compare(
            offence.get("country", ""),
            offence.get("article", ""),
            offence.get("part", ""),
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
            "source": offence,
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
    services = importlib.import_module("legal_map.services")
    return list(services.validate_facts(facts))


def alert(
    *,
    kind: str,
    title: str,
    urgency: str,
    summary: str = "",
    object_type: str = "",
    object_id: str = "",
    origin: str = "",
    envelope_id: str = "",
    users: Iterable[Any] | None = None,
    dedupe_key: str | None = None,
    params: dict[str, Any] | None = None,
) -> Any:
    try:
        services = importlib.import_module("alerts.services")
    except ModuleNotFoundError:
        # A node built without the alerts app still records the item; nobody is paged.
        logger.warning("alerts.services is not installed: %s not raised", kind)
        return None
    return services.alert_raise(
        kind=kind,
        title=title,
        urgency=urgency,
        summary=summary,
        object_type=object_type,
        object_id=object_id,
        origin=origin,
        envelope_id=envelope_id,
        users=list(users) if users is not None else None,
        dedupe_key=dedupe_key,
        params=params,
    )


def thread_messages(thread: str) -> list[Any]:
    selectors = importlib.import_module("exchange.selectors")

    return list(selectors.thread_messages(thread))


def acks_for(envelope_ids: list[str]) -> Any:
    try:
        selectors = importlib.import_module("alerts.selectors")
    except ModuleNotFoundError:
        return {}
    return selectors.acks_for(envelope_ids)


def facts_vocabulary() -> set[str]:
    """The legal map's fact tags."""
    services = importlib.import_module("legal_map.services")
    return {str(v["tag"]) for v in services.facts_vocabulary()}


# An offence picked in a form travels as "country|code|article|part".
OFFENCE_SEP = "|"
# The API's article and part syntax (cases.api.serializers.LegalRefSerializer).
_REF = re.compile(r"^[0-9A-Za-z./-]{1,20}$")


def offence_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue's offences grouped by country, labelled in the reader's language:
    'art. 220/1 p. 1 — <title> (Criminal Code 2002)'. A part the API cannot carry (a
    descriptive limb such as '(for exploitation)') is offered at the article's level."""
    models = importlib.import_module("legal_map.models")
    presentation = importlib.import_module("legal_map.presentation")
    reasons = importlib.import_module("legal_map.reasons")
    places = importlib.import_module("node.places")
    kinds = {"criminal": _("Criminal Code"), "contravention": _("Contravention Code")}
    groups: dict[str, list[tuple[str, str]]] = {}
    seen: set[str] = set()
    rows = models.Offence.objects.filter(record_kind="offence").order_by("country", "position")
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
    vocabulary = importlib.import_module("legal_map.vocabulary")
    presentation = importlib.import_module("legal_map.presentation")
    groups: dict[str, list[tuple[str, str]]] = {k: [] for k in vocabulary.KINDS}
    for t in vocabulary.TAGS:
        groups.setdefault(t.kind, []).append((t.tag, presentation.label(t.tag)))
    return [
        (str(vocabulary.KIND_LABELS.get(k, k)).capitalize(), opts)
        for k, opts in groups.items()
        if opts
    ]


def fact_label(tag: str) -> str:
    presentation = importlib.import_module("legal_map.presentation")
    return str(presentation.label(tag))
