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
DEFAULT_FILE = DATA_DIR / "catalogue-v1.json"
STATUSES = {"in_force", "draft", "repealed"}
LABELS = {"verified", "verified_secondary", "partly_verified", "unverified_memory"}
RECORD_KINDS = {"offence", "definition", "general_part", "draft_act"}
CODE_KINDS = {"criminal", "contravention"}
PENALTY_KINDS = {
    "imprisonment",
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
    parse_date(a.get("from"), where)
    parse_date(a.get("to"), where)
    out = dict(a)
    if a.get("elements") is not None:
        out["elements"] = check_elements(a["elements"], f"{where}.elements")
    return out


def _check_penalty(p: Any, where: str) -> dict[str, Any]:
    if not isinstance(p, dict) or p.get("kind") not in PENALTY_KINDS:
        raise CatalogueError(f"{where}: bad penalty {p!r}")
    for bound in ("min", "max"):
        if p.get(bound) is not None and not isinstance(p[bound], int | float):
            raise CatalogueError(f"{where}: penalty {bound} must be a number")
    return dict(p)


def read(path: Path = DEFAULT_FILE) -> tuple[str, str, list[dict[str, Any]]]:
    """(version, sha256 of the file, rows ready for Offence(**row))."""
    raw = path.read_bytes()
    data = json.loads(raw)
    version = str(data.get("version", ""))
    if not version:
        raise CatalogueError("the catalogue file has no version")
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
        interval = rec.get("in_force") or {}
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
                "in_force_from": parse_date(interval.get("from"), where),
                "in_force_to": parse_date(interval.get("to"), where),
                "in_force_note": interval.get("note", ""),
                "status": rec["status"],
                "amendments": [
                    _check_amendment(a, f"{where}.amendments") for a in rec.get("amendments", [])
                ],
                "source_url": rec.get("source_url", ""),
                "source_document": rec.get("source_document", ""),
                "verification": rec["verification"],
                "confidence_detail": rec.get("confidence_detail", ""),
                "notes": rec.get("notes", ""),
                "position": n,
            }
        )
    return version, hashlib.sha256(raw).hexdigest(), rows
