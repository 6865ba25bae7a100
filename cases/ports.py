"""The calls cases makes into exchange, legal_map and alerts, in one place.

Why: these apps are built alongside cases; keeping every cross-app call here (with the
signature DEVELOPERS.md gives) means one file to adapt if an interface moves, and one
place to read to see what cases depends on. Imports happen at call time so that cases
loads even while another app is being rebuilt.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable
from typing import Any


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
    offence: dict[str, str], to_country: str, facts: list[str], date: dt.date
) -> dict[str, Any]:
    """The legal map's comparison (issue-4 JSON) of an offence for a target country."""
    services = importlib.import_module("legal_map.services")

    try:
        result: dict[str, Any] = services.compare(
            offence.get("country", ""),
            offence.get("article", ""),
            offence.get("part", ""),
            to_country,
            list(facts),
            date,
        )
    except (LookupError, ValueError) as exc:
        # An offence the catalogue does not know: say so rather than fail the message.
        return {
            "source": offence,
            "target_country": to_country,
            "results": [],
            "dual_criminality": {"verdict": "uncertain", "reasons": [str(exc)]},
        }
    return result


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
) -> Any:
    services = importlib.import_module("alerts.services")

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
    )


def thread_messages(thread: str) -> list[Any]:
    selectors = importlib.import_module("exchange.selectors")

    return list(selectors.thread_messages(thread))


def acks_for(envelope_ids: list[str]) -> Any:
    selectors = importlib.import_module("alerts.selectors")

    return selectors.acks_for(envelope_ids)


def facts_vocabulary() -> set[str]:
    """The legal map's fact tags (empty while the legal map has none loaded)."""
    services = importlib.import_module("legal_map.services")

    vocabulary = services.facts_vocabulary()
    if isinstance(vocabulary, dict):
        return set(vocabulary)
    return {v if isinstance(v, str) else str(v.get("tag", v.get("code", ""))) for v in vocabulary}
