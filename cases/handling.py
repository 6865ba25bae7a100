"""One rule for what may leave the node: the handling codes of the content's sources.

Every path that sends content received from a peer on (a notification of a derived
case, a forward, a mirror takedown, a response) asks `release` first, so H2 content
never reaches a third country, a handling code is never lowered on the way out, and H3
restrictions travel with the content they restrict.

Handling codes (contract, section 3): H0 any law-enforcement use; H1 not as evidence
without the origin's consent; H2 not to third countries; H3 restrictions stated in
`body.restrictions`. Ranked H0 < H1 < H2 < H3: H3 keeps what H2 keeps and adds text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases.models import Handling, InboundItem

RANK: dict[str, int] = {Handling.H0: 0, Handling.H1: 1, Handling.H2: 2, Handling.H3: 3}


@dataclass(frozen=True)
class Source:
    """Where a piece of outgoing content came from: a peer, under a handling code."""

    origin: str
    handling: str
    restrictions: str = ""


@dataclass(frozen=True)
class Release:
    """The decision: `refused` says why the content may not go; otherwise it goes at
    `handling` with `restrictions` (non-empty exactly when handling is H3)."""

    handling: str
    restrictions: str
    refused: str = ""
    field: str = ""


def source_of(item: InboundItem) -> Source:
    """The contract allows H3 restrictions as one text or a list of texts."""
    stated = item.body.get("restrictions", "") if isinstance(item.body, dict) else ""
    if isinstance(stated, list):
        stated = "\n".join(r for r in stated if isinstance(r, str))
    return Source(
        origin=item.origin,
        handling=item.handling,
        restrictions=stated if isinstance(stated, str) else "",
    )


def release(
    sources: Iterable[Source | None],
    to: Iterable[str],
    handling: str | None = None,
    restrictions: str = "",
) -> Release:
    """May content from `sources` go to the countries `to` at `handling`?

    `handling=None` (automatic paths: mirror joins, replies) takes the strictest code of
    the sources; a code chosen by a person that is lower than a source's is refused,
    not silently raised, so the person sees what the origin asked for."""
    known = [s for s in sources if s is not None]
    countries = sorted(set(to))
    for source in known:
        if RANK.get(source.handling, 0) >= RANK[Handling.H2]:
            third = [c for c in countries if c != source.origin]
            if third:
                return Release(
                    handling=source.handling,
                    restrictions="",
                    field="to",
                    refused=_(
                        "Received from %(origin)s under %(code)s: it cannot go to %(countries)s "
                        "without the origin's consent."
                    )
                    % {
                        "origin": source.origin,
                        "code": source.handling,
                        "countries": ", ".join(third),
                    },
                )
    floor = max((RANK.get(s.handling, 0) for s in known), default=0)
    strictest = next(code for code, rank in RANK.items() if rank == floor)
    chosen = strictest if handling is None else handling
    if RANK.get(chosen, 0) < floor:
        return Release(
            handling=chosen,
            restrictions="",
            field="handling",
            refused=_("Received under %(code)s: the handling code cannot be lower than %(code)s.")
            % {"code": strictest},
        )
    carried = [s.restrictions.strip() for s in known if s.restrictions.strip()]
    if restrictions.strip():
        carried.append(restrictions.strip())
    text = "\n".join(dict.fromkeys(carried))
    if chosen == Handling.H3 and not text:
        return Release(
            handling=chosen,
            restrictions="",
            field="restrictions",
            refused=_("Handling H3 needs its restrictions stated."),
        )
    return Release(handling=chosen, restrictions=text if chosen == Handling.H3 else "")
