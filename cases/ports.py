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
from collections.abc import Iterable
from typing import Any

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
