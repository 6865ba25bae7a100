"""Read and check the versioned catalogue file (legal_map/data/catalogue-v<N>.json).

Why a checker: the file is curated by hand from research notes; a typo in an element tag
would silently weaken every comparison, so loading refuses unknown tags, statuses,
verification labels and malformed dates instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from legal_map.engine import article_key
from legal_map.vocabulary import BY_TAG

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_FILE = DATA_DIR / "catalogue-v2.json"
STATUSES = {"in_force", "draft", "repealed"}
LABELS = {"verified_official", "verified_secondary", "partly_verified", "unverified"}
SOURCE_KINDS = {"official", "secondary", "seed", "research_notes"}
RECORD_KINDS = {"offence", "definition", "general_part", "draft_act"}
CODE_KINDS = {"criminal", "contravention"}
PENALTY_KINDS = {
    "imprisonment",
    "life_imprisonment",
    "restriction_of_liberty",
    "fine",
    "community_work",
    "correctional_labour",
    "arrest",
    "deprivation_of_right",
    "confiscation",
}


class CatalogueError(ValueError):
    pass


def parse_date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CatalogueError(f"{where}: bad date {value!r}") from None


def check_elements(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: elements must be an object")
    out: dict[str, Any] = {}
    for key in ("required", "covers", "excludes"):
        tags = value.get(key, [])
        _check_tags(tags, f"{where}.{key}")
        out[key] = list(tags)
    groups = value.get("any_of", [])
    if not isinstance(groups, list):
        raise CatalogueError(f"{where}.any_of must be a list of lists")
    for group in groups:
        _check_tags(group, f"{where}.any_of")
        if not group:
            raise CatalogueError(f"{where}.any_of has an empty group")
    out["any_of"] = [list(g) for g in groups]
    return out


def _check_tags(tags: Any, where: str) -> None:
    if not isinstance(tags, list):
        raise CatalogueError(f"{where} must be a list")
    for tag in tags:
        if tag not in BY_TAG:
            raise CatalogueError(f"{where}: unknown element {tag!r}")


def _check_amendment(a: Any, where: str) -> dict[str, Any]:
    if not isinstance(a, dict) or not a.get("ref"):
        raise CatalogueError(f"{where}: an amendment needs a ref")
    if a.get("status") not in STATUSES:
        raise CatalogueError(f"{where}: bad status {a.get('status')!r}")
    if a.get("verification") not in LABELS:
        raise CatalogueError(f"{where}: bad verification {a.get('verification')!r}")
    _check_interval(a.get("from"), a.get("from_certain"), a.get("to"), where)
    out = dict(a)
    if a.get("elements") is not None:
        out["elements"] = check_elements(a["elements"], f"{where}.elements")
    if a.get("penalties") is not None:
        out["penalties"] = [_check_penalty(p, where) for p in a["penalties"]]
    return out


def _check_interval(start: Any, certain: Any, end: Any, where: str) -> None:
    first, sure, last = (parse_date(v, where) for v in (start, certain, end))
    if sure is not None and (first is None or sure <= first):
        raise CatalogueError(f"{where}: from_certain must come after from")
    if last is not None and first is not None and last <= first:
        raise CatalogueError(f"{where}: to must come after from")


def _check_penalty(p: Any, where: str) -> dict[str, Any]:
    if not isinstance(p, dict) or p.get("kind") not in PENALTY_KINDS:
        raise CatalogueError(f"{where}: bad penalty {p!r}")
    for bound in ("min", "max"):
        if p.get(bound) is not None and not isinstance(p[bound], int | float):
            raise CatalogueError(f"{where}: penalty {bound} must be a number")
    parse_date(p.get("from"), where)
    parse_date(p.get("to"), where)
    return dict(p)


def _check_code(c: Any, n: int) -> dict[str, Any]:
    where = f"codes[{n}]"
    if not isinstance(c, dict):
        raise CatalogueError(f"{where} must be an object")
    for key in ("country", "code", "in_force_from", "covered_from"):
        if not c.get(key):
            raise CatalogueError(f"{where}: {key} is required")
    if c.get("code_kind", "criminal") not in CODE_KINDS:
        raise CatalogueError(f"{where}: bad code_kind")
    return {
        "country": c["country"],
        "code": c["code"],
        "code_kind": c.get("code_kind", "criminal"),
        "title_ru": c.get("title_ru", ""),
        "title_en": c.get("title_en", ""),
        "in_force_from": parse_date(c["in_force_from"], where),
        "in_force_to": parse_date(c.get("in_force_to"), where),
        "covered_from": parse_date(c["covered_from"], where),
        "covered_to": parse_date(c.get("covered_to"), where),
        "source_url": c.get("source_url", ""),
        "note": c.get("note", ""),
    }


def _check_sources(value: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise CatalogueError(f"{where}: sources must be a list")
    for src in value:
        if not isinstance(src, dict) or src.get("kind") not in SOURCE_KINDS:
            raise CatalogueError(f"{where}: bad source {src!r}")
    return [dict(s) for s in value]


def read(path: Path = DEFAULT_FILE) -> tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]:
    """(version, sha256 of the file, rows for Offence(**row), rows for NationalCode(**row))."""
    raw = path.read_bytes()
    data = json.loads(raw)
    version = str(data.get("version", ""))
    if not version:
        raise CatalogueError("the catalogue file has no version")
    codes = [_check_code(c, n) for n, c in enumerate(data.get("codes", []))]
    by_code = {(c["country"], c["code"]): c for c in codes}
    if len(by_code) != len(codes):
        raise CatalogueError("codes: a code is listed twice")
    rows = []
    seen: set[tuple[str, ...]] = set()
    for n, rec in enumerate(data.get("offences", [])):
        where = f"offences[{n}] {rec.get('country')} {rec.get('article')}"
        for key in ("country", "code", "article", "status", "verification"):
            if not rec.get(key):
                raise CatalogueError(f"{where}: {key} is required")
        if rec["status"] not in STATUSES:
            raise CatalogueError(f"{where}: bad status {rec['status']!r}")
        if rec["verification"] not in LABELS:
            raise CatalogueError(f"{where}: bad verification {rec['verification']!r}")
        if rec.get("record_kind", "offence") not in RECORD_KINDS:
            raise CatalogueError(f"{where}: bad record_kind")
        if rec.get("code_kind", "criminal") not in CODE_KINDS:
            raise CatalogueError(f"{where}: bad code_kind")
        code = by_code.get((rec["country"], rec["code"]))
        if code is None:
            raise CatalogueError(f"{where}: code {rec['code']!r} is not in codes")
        if rec.get("code_kind", "criminal") != code["code_kind"]:
            raise CatalogueError(f"{where}: code_kind differs from its code's")
        interval = rec.get("in_force") or {}
        _check_interval(
            interval.get("from"), interval.get("from_certain"), interval.get("to"), where
        )
        if rec["verification"] == "verified_official" and not rec.get("official_version"):
            raise CatalogueError(f"{where}: verified_official needs the official_version date")
        natural: tuple[str, ...] = (rec["country"], rec["code"], rec["article"])
        natural += (rec.get("part", ""), rec.get("item", ""))
        if natural in seen:
            raise CatalogueError(f"{where}: duplicate record")
        seen.add(natural)
        rows.append(
            {
                "country": rec["country"],
                "code": rec["code"],
                "code_kind": rec.get("code_kind", "criminal"),
                "record_kind": rec.get("record_kind", "offence"),
                "article": rec["article"],
                "article_key": article_key(rec["article"]),
                "part": rec.get("part", ""),
                "item": rec.get("item", ""),
                "number_verified": bool(rec.get("number_verified", True)),
                "title_ru": rec.get("title_ru", ""),
                "title_en": rec.get("title_en", ""),
                "title_national": rec.get("title_national", ""),
                "national_language": rec.get("national_language", ""),
                "elements": check_elements(rec.get("elements", {}), where),
                "iccs": [str(c) for c in rec.get("iccs", [])],
                "penalties": [_check_penalty(p, where) for p in rec.get("penalties", [])],
                "penalty_text": rec.get("penalty_text", ""),
                # No start of its own: the article is in the code's original text.
                "in_force_from": parse_date(interval.get("from"), where) or code["in_force_from"],
                "in_force_from_certain": parse_date(interval.get("from_certain"), where),
                "in_force_to": parse_date(interval.get("to"), where) or code["in_force_to"],
                "in_force_note": interval.get("note", ""),
                "status": rec["status"],
                "amendments": [
                    _check_amendment(a, f"{where}.amendments") for a in rec.get("amendments", [])
                ],
                "source_url": rec.get("source_url", ""),
                "source_document": rec.get("source_document", ""),
                "verification": rec["verification"],
                "official_version": parse_date(rec.get("official_version"), where),
                "sources": _check_sources(rec.get("sources", []), where),
                "confidence_detail": rec.get("confidence_detail", ""),
                "notes": rec.get("notes", ""),
                "position": n,
            }
        )
    return version, hashlib.sha256(raw).hexdigest(), rows, codes
