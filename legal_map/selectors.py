"""Reads of the catalogue. The parsed catalogue is cached per process.

Cache invalidation: every write (a catalogue load, a curated equivalence) stores a fresh
random token in CatalogueState inside its transaction. `catalogue()` reads that token (one
primary-key read) and rebuilds when it differs from the cached one, so a change made by
another process, or undone by a rolled-back transaction, is seen at the next comparison.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from django.db.models import QuerySet

from legal_map import engine, queries
from legal_map.models import CuratedEquivalence, NationalCode, Offence
from legal_map.vocabulary import TAGS
from net247 import db

COUNTRIES = ("KZ", "KG", "UZ", "TJ", "MD")

_lock = threading.Lock()
_cached: tuple[str, engine.Catalogue] | None = None


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _elements(data: dict[str, Any]) -> engine.Elements:
    return engine.Elements(
        required=frozenset(data.get("required", [])),
        any_of=tuple(frozenset(g) for g in data.get("any_of", [])),
        covers=frozenset(data.get("covers", [])),
        excludes=frozenset(data.get("excludes", [])),
    )


def _penalties(data: list[dict[str, Any]]) -> tuple[engine.Penalty, ...]:
    return tuple(
        engine.Penalty(
            kind=p["kind"],
            max=p.get("max"),
            unit=p.get("unit", ""),
            valid_from=_date(p.get("from")),
            valid_to=_date(p.get("to")),
        )
        for p in data
    )


def to_record(o: Offence) -> engine.OffenceRec:
    amendments = tuple(
        engine.Amendment(
            ref=a["ref"],
            status=a["status"],
            valid_from=_date(a.get("from")),
            valid_from_certain=_date(a.get("from_certain")),
            valid_to=_date(a.get("to")),
            elements=_elements(a["elements"]) if a.get("elements") is not None else None,
            title_ru=a.get("title_ru_after") or a.get("title_ru", ""),
            title_en=a.get("title_en_after") or a.get("title_en", ""),
            penalties=_penalties(a["penalties"]) if a.get("penalties") is not None else None,
        )
        for a in o.amendments
    )
    return engine.OffenceRec(
        pk=o.pk,
        country=o.country,
        code=o.code,
        code_kind=o.code_kind,
        record_kind=o.record_kind,
        article=o.article,
        article_key=o.article_key,
        part=o.part,
        title_ru=o.title_ru,
        title_en=o.title_en,
        iccs=tuple(o.iccs),
        status=o.status,
        verification=o.verification,
        valid_from=o.in_force_from,
        valid_from_certain=o.in_force_from_certain,
        valid_to=o.in_force_to,
        elements=_elements(o.elements),
        amendments=amendments,
        position=o.position,
        penalties=_penalties(o.penalties),
        official_version=o.official_version,
        item=o.item,
    )


def to_code(c: NationalCode) -> engine.CodeRec:
    return engine.CodeRec(
        country=c.country,
        code=c.code,
        code_kind=c.code_kind,
        in_force_from=c.in_force_from,
        in_force_to=c.in_force_to,
        covered_from=c.covered_from,
        covered_to=c.covered_to,
        title_ru=c.title_ru,
        title_en=c.title_en,
    )


def _build() -> engine.Catalogue:
    offences = [to_record(o) for o in Offence.objects.all()]
    equivalences = [
        engine.Equivalence(
            source=(e.source_country, engine.article_key(e.source_article), e.source_part),
            target=(e.target_country, engine.article_key(e.target_article), e.target_part),
            kind=e.kind,
            note=e.note,
        )
        for e in CuratedEquivalence.objects.filter(revoked_at__isnull=True).order_by("created_at")
    ]
    codes = [to_code(c) for c in NationalCode.objects.all()]
    return engine.Catalogue(offences=offences, equivalences=equivalences, codes=codes)


def current_token() -> str:
    """Read on every comparison (a received notification makes one), so as plain SQL:
    the ORM's query building cost twice the round trip."""
    found = db.fetch(queries.catalogue_token(db.vendor()))
    return str(found[0]["token"]) if found and found[0]["token"] else ""


def catalogue() -> engine.Catalogue:
    """The whole catalogue as engine objects, rebuilt only when the token changed."""
    global _cached
    token = current_token()
    cached = _cached
    if cached is not None and cached[0] == token:
        return cached[1]
    with _lock:
        built = _build()
        _cached = (token, built)
    return built


def facts_vocabulary() -> list[dict[str, str]]:
    """The fact tags a case may carry, with their kind and ru/en labels."""
    return [
        {"tag": t.tag, "kind": t.kind, "label_ru": t.label_ru, "label_en": t.label_en} for t in TAGS
    ]


def offence_list(
    *, country: str = "", article: str = "", status: str = "", verification: str = ""
) -> QuerySet[Offence]:
    qs = Offence.objects.all()
    if country:
        qs = qs.filter(country=country.upper())
    if article:
        qs = qs.filter(article_key=engine.article_key(article))
    if status:
        qs = qs.filter(status=status)
    if verification:
        qs = qs.filter(verification=verification)
    return qs


def offence_parts(country: str, article: str) -> list[Offence]:
    return list(offence_list(country=country, article=article))


def articles_of(country: str, language: str = "ru") -> list[tuple[str, str]]:
    """(article, short title in `language`, else the other one) per article of a country,
    in catalogue order."""
    seen: dict[str, str] = {}
    for o in Offence.objects.filter(country=country).order_by("position"):
        first, second = (o.title_ru, o.title_en) if language == "ru" else (o.title_en, o.title_ru)
        seen.setdefault(o.article, first or second)
    return list(seen.items())


def equivalence_list() -> QuerySet[CuratedEquivalence]:
    return CuratedEquivalence.objects.select_related("created_by").all()
