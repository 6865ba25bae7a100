"""Writes of the legal map (catalogue loads, curated equivalences) and its public calls.

Other apps call `compare(...)` (the JSON of issue 4), `facts_vocabulary()` and
`validate_facts(...)`; they never touch the engine or the models directly.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from legal_map import engine, loader, reasons, selectors
from legal_map.models import (
    CatalogueState,
    CuratedEquivalence,
    EquivalenceKind,
    NationalCode,
    Offence,
)
from legal_map.vocabulary import BY_TAG
from node.errors import ServiceError

COUNTRIES = selectors.COUNTRIES


class LegalMapError(ServiceError):
    """Bad input; `field` names the parameter at fault (API 400 bodies use it)."""


def _touch(state: CatalogueState) -> None:
    state.token = uuid.uuid4().hex
    state.save()


def catalogue_load(
    *, path: Path | None = None, force: bool = False, actor: Any = None
) -> tuple[bool, str, int]:
    """Load the data file; a no-op when the same file (checksum) is already loaded.

    Returns (changed, version, number of records). Rows are replaced as a whole: they are
    reference data keyed by natural keys, and curated equivalences refer to natural keys.
    """
    version, checksum, rows, codes = loader.read(path or loader.DEFAULT_FILE)
    with transaction.atomic():
        state, _created = CatalogueState.objects.select_for_update(no_key=True).get_or_create(pk=1)
        if not force and state.checksum == checksum and Offence.objects.exists():
            return False, version, len(rows)
        Offence.objects.all().delete()
        NationalCode.objects.all().delete()
        NationalCode.objects.bulk_create([NationalCode(**row) for row in codes])
        Offence.objects.bulk_create([Offence(**row) for row in rows])
        state.version, state.checksum, state.loaded_at = version, checksum, timezone.now()
        _touch(state)
        audit.record(
            action="legal_map.catalogue_loaded",
            actor=actor,
            object_type="legal_map.catalogue",
            object_id=version,
            details={"version": version, "sha256": checksum, "records": len(rows)},
        )
    return True, version, len(rows)


def facts_vocabulary() -> list[dict[str, str]]:
    return selectors.facts_vocabulary()


def validate_facts(facts: Any) -> list[str]:
    """Errors in a list of fact tags (empty when valid)."""
    if not isinstance(facts, list | tuple):
        return [_("facts must be a list of tags")]
    errors = []
    for fact in facts:
        if not isinstance(fact, str):
            errors.append(_("fact %(fact)r is not a string") % {"fact": fact})
        elif fact not in BY_TAG:
            errors.append(_("unknown fact %(fact)r") % {"fact": fact})
    seen = [f for f in facts if isinstance(f, str)]
    if len(set(seen)) != len(seen):
        errors.append(_("facts must not repeat a tag"))
    return errors


def _text(value: str, field: str) -> str:
    if "\x00" in (value or ""):
        raise LegalMapError(field, _("must not contain NUL characters"))
    return (value or "").strip()


def _country(value: str, field: str) -> str:
    code = (value or "").strip().upper()
    if code not in COUNTRIES:
        raise LegalMapError(
            field,
            _("unknown country %(value)r; one of %(choices)s")
            % {"value": value, "choices": ", ".join(COUNTRIES)},
        )
    return code


def _as_date(value: dt.date | str | None, field: str = "date") -> dt.date:
    if value is None or value == "":
        return timezone.localdate()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise LegalMapError(
            field, _("bad date %(value)r; use YYYY-MM-DD") % {"value": value}
        ) from None


def _purpose(value: str | None) -> str:
    purpose = (value or "mla").strip()
    if purpose not in engine.PURPOSES:
        raise LegalMapError(
            "purpose",
            _("unknown purpose %(value)r; one of %(choices)s")
            % {"value": value, "choices": ", ".join(engine.PURPOSES)},
        )
    return purpose


def _covered_date(cat: engine.Catalogue, country: str, when: dt.date, field: str) -> None:
    """A date before every code the catalogue holds for the country is a mistake to say,
    not a comparison to make."""
    first = cat.earliest_cover(country)
    if first is not None and when < first:
        raise LegalMapError(
            field,
            _(
                "%(date)s is before %(first)s, the earliest date the catalogue covers "
                "for %(country)s"
            )
            % {"date": when.isoformat(), "first": first.isoformat(), "country": country},
        )


def comparison(
    from_country: str,
    from_article: str,
    from_part: str,
    to_country: str,
    facts: list[str] | None,
    date: dt.date | str | None = None,
    cat: engine.Catalogue | None = None,
    *,
    purpose: str | None = "mla",
    decision_date: dt.date | str | None = None,
) -> engine.Comparison:
    """The engine's full comparison (for pages that show more than the JSON).

    `date` is the conduct's, `decision_date` the requested state's decision (today when
    not given), `purpose` one of engine.PURPOSES."""
    source_country = _country(from_country, "from_country")
    target = _country(to_country, "to")
    if target == source_country:
        raise LegalMapError("to", _("the target country must differ from the source country"))
    facts = list(facts or [])
    errors = validate_facts(facts)
    if errors:
        raise LegalMapError("facts", "; ".join(errors))
    why = _purpose(purpose)
    when = _as_date(date)
    decided = _as_date(decision_date, "decision_date")
    if decided < when:
        raise LegalMapError("decision_date", _("the decision cannot come before the conduct"))
    cat = cat or selectors.catalogue()
    _covered_date(cat, source_country, when, "date")
    if not _text(from_article, "from_article"):
        raise LegalMapError("from_article", _("an article is required"))
    _text(from_part, "from_part")
    try:
        source = engine.find_offence(cat, source_country, from_article, from_part or "", when)
    except LookupError:
        if not selectors.offence_list(country=source_country, article=from_article).exists():
            raise LookupError(_not_in_catalogue(source_country, from_article)) from None
        raise LookupError(_no_such_part(source_country, from_article, from_part)) from None
    return engine.compare(cat, source, target, facts, when, why, decided)


def _source_dict(c: engine.Comparison) -> dict[str, Any]:
    s = c.source
    els, ru, en, _refs = s.version_at(c.date)
    conduct = c.conduct
    return {
        "country": s.country,
        "code": s.code,
        "code_kind": s.code_kind,
        "article": s.article,
        "part": s.part,
        "title_ru": ru,
        "title_en": en,
        "status": s.status,
        "verification": s.verification,
        "in_force_at_date": s.in_force_at(c.date),
        "iccs": list(s.iccs),
        "elements": {
            "required": sorted(els.required),
            "any_of": [sorted(g) for g in els.any_of],
            "covers": sorted(els.covers),
            "excludes": sorted(els.excludes),
        },
        "facts": c.facts,
        "assumed_elements": list(conduct.assumed) if conduct else [],
        "alternative_judged": list(conduct.chosen) if conduct else [],
        "contradicted_elements": list(conduct.contradicted) if conduct else [],
        "date": c.date.isoformat(),
    }


def _years(months: float | None) -> float | None:
    if months is None:
        return None
    return -1.0 if months == float("inf") else round(months / 12, 2)


def as_dict(c: engine.Comparison) -> dict[str, Any]:
    texts = reasons.render_all_en(c.reasons)
    return {
        "source": _source_dict(c),
        "target_country": c.target_country,
        "results": [
            {
                "country": m.offence.country,
                "code": m.offence.code,
                "code_kind": m.offence.code_kind,
                "article": m.offence.article,
                "part": m.offence.part,
                "item": m.offence.item,
                "title_ru": m.title_ru,
                "title_en": m.title_en,
                "score": m.score,
                "status": m.offence.status,
                "verification": m.offence.verification,
                "in_force_at_date": m.in_force_at_date,
                "matched_elements": m.matched,
                "missing_elements": m.missing,
                "uncovered_elements": m.uncovered,
                "iccs_overlap": m.iccs_overlap,
                # Years of deprivation of liberty at most; -1 for life; null: not known.
                "max_imprisonment_years": _years(m.max_months),
            }
            for m in c.results
        ],
        "dual_criminality": {
            "verdict": c.verdict,
            "purpose": c.purpose,
            "conduct_date": c.date.isoformat(),
            "decision_date": (c.decision_date or c.date).isoformat(),
            "reasons": texts,
            "reason_codes": [
                {"code": r.code, "params": r.params, "text": text}
                for r, text in zip(c.reasons, texts, strict=True)
            ],
        },
    }


def compare(
    from_country: str,
    from_article: str,
    from_part: str,
    to_country: str,
    facts: list[str],
    date: dt.date | str | None = None,
    *,
    purpose: str | None = "mla",
    decision_date: dt.date | str | None = None,
) -> dict[str, Any]:
    """Comparable offences of `to_country` for a source offence, best first (issue-4 JSON).

    Raises LookupError for an offence the catalogue does not know, LegalMapError (a
    ValueError) for bad parameters. Every received notification asks this, mostly for
    the same few offences: answers are remembered per catalogue (see _Answers).
    """
    cat = selectors.catalogue()

    def fresh() -> dict[str, Any]:
        found = comparison(
            from_country, from_article, from_part, to_country, facts, date, cat,
            purpose=purpose, decision_date=decision_date,
        )  # fmt: skip
        return as_dict(found)

    try:
        when, decided = _as_date(date), _as_date(decision_date, "decision_date")
    except LegalMapError:  # raised again by comparison(), after the checks it makes first
        return fresh()
    key: tuple[Any, ...] = (
        from_country,
        from_article,
        from_part,
        to_country,
        tuple(facts or ()),
        when,
        purpose,
        decided,
    )
    try:
        remembered = _answers.get(cat, key)
    except TypeError:  # an unhashable fact: comparison() says what is wrong with it
        key, remembered = (), None
    if remembered is not None:
        return remembered
    result = fresh()
    if key:
        _answers.put(cat, key, result)
    return result


class _Answers:
    """compare()'s answers for one catalogue object. selectors.catalogue() returns a new
    object when the catalogue's token changed (a load, a curated equivalence), which
    empties this, so an answer never outlives what it was computed from. Answers are
    kept as JSON text and handed out as fresh objects: a caller may change its copy."""

    LIMIT = 512

    def __init__(self) -> None:
        # One tuple, replaced whole, so that threads never pair an owner with other texts.
        self._held: tuple[engine.Catalogue | None, dict[tuple[Any, ...], str]] = (None, {})

    def get(self, cat: engine.Catalogue, key: tuple[Any, ...]) -> dict[str, Any] | None:
        owner, texts = self._held
        text = texts.get(key) if cat is owner else None
        return json.loads(text) if text is not None else None

    def put(self, cat: engine.Catalogue, key: tuple[Any, ...], answer: dict[str, Any]) -> None:
        owner, texts = self._held
        if cat is not owner or len(texts) >= self.LIMIT:
            texts = {}
            self._held = (cat, texts)
        texts[key] = json.dumps(answer, ensure_ascii=False)


_answers = _Answers()


def compare_all(
    from_country: str,
    from_article: str,
    from_part: str,
    facts: list[str],
    date: dt.date | str | None = None,
    *,
    purpose: str | None = "mla",
    decision_date: dt.date | str | None = None,
) -> list[engine.Comparison]:
    """The comparison against each of the four other countries (one catalogue read)."""
    source_country = _country(from_country, "from_country")
    cat = selectors.catalogue()
    return [
        comparison(
            source_country,
            from_article,
            from_part,
            c,
            facts,
            date,
            cat,
            purpose=purpose,
            decision_date=decision_date,
        )
        for c in COUNTRIES
        if c != source_country
    ]


def _not_in_catalogue(country: str, article: str) -> str:
    return _("%(country)s art. %(article)s is not in the catalogue") % {
        "country": country,
        "article": article,
    }


def _no_such_part(country: str, article: str, part: str) -> str:
    return _("%(country)s art. %(article)s has no part %(part)s in the catalogue") % {
        "country": country,
        "article": article,
        "part": part,
    }


def _offence_exists(country: str, article: str, part: str, field: str) -> None:
    qs = selectors.offence_list(country=country, article=article)
    if not qs.exists():
        raise LegalMapError(field, _not_in_catalogue(country, article))
    if part and not any(engine._part_contains(o.part, engine.part_key(part)) for o in qs):
        # The part is at fault, not the article: name its field (source_part, ...).
        raise LegalMapError(field.replace("article", "part"), _no_such_part(country, article, part))


def equivalence_record(
    *,
    actor: Any,
    source_country: str,
    source_article: str,
    source_part: str,
    target_country: str,
    target_article: str,
    target_part: str,
    kind: str,
    note: str,
) -> CuratedEquivalence:
    """A coordinator's curated equivalence (raise or pin), audited."""
    if actor is None or getattr(actor, "role", "") not in ("coordinator", "admin"):
        raise LegalMapError("actor", _("only coordinators curate equivalences"))
    s_country = _country(source_country, "source_country")
    t_country = _country(target_country, "target_country")
    if s_country == t_country:
        raise LegalMapError(
            "target_country", _("the target country must differ from the source country")
        )
    if kind not in EquivalenceKind.values:
        raise LegalMapError(
            "kind",
            _("kind must be one of %(choices)s") % {"choices": ", ".join(EquivalenceKind.values)},
        )
    for field, value in (
        ("source_article", source_article),
        ("source_part", source_part),
        ("target_article", target_article),
        ("target_part", target_part),
        ("note", note),
    ):
        _text(value, field)
    if not (note or "").strip():
        raise LegalMapError("note", _("a note explaining the equivalence is required"))
    _offence_exists(s_country, source_article.strip(), source_part.strip(), "source_article")
    _offence_exists(t_country, target_article.strip(), target_part.strip(), "target_article")
    with transaction.atomic():
        eq = CuratedEquivalence.objects.create(
            source_country=s_country,
            source_article=source_article.strip(),
            source_part=source_part.strip(),
            target_country=t_country,
            target_article=target_article.strip(),
            target_part=target_part.strip(),
            kind=kind,
            note=note.strip(),
            created_by=actor,
        )
        state, _created = CatalogueState.objects.select_for_update(no_key=True).get_or_create(pk=1)
        _touch(state)
        audit.record(
            action="legal_map.equivalence_recorded",
            actor=actor,
            object_type="legal_map.equivalence",
            object_id=eq.pk,
            details={"mapping": str(eq), "kind": kind, "note": eq.note},
        )
    return eq


def equivalence_revoke(*, actor: Any, equivalence_id: int) -> CuratedEquivalence:
    if actor is None or getattr(actor, "role", "") not in ("coordinator", "admin"):
        raise LegalMapError("actor", _("only coordinators curate equivalences"))
    with transaction.atomic():
        eq = (
            CuratedEquivalence.objects.select_for_update(no_key=True)
            .filter(pk=equivalence_id)
            .first()
        )
        if eq is None or eq.revoked_at is not None:
            raise LegalMapError("id", _("no such active equivalence"))
        eq.revoked_at = timezone.now()
        eq.save(update_fields=["revoked_at"])
        state, _created = CatalogueState.objects.select_for_update(no_key=True).get_or_create(pk=1)
        _touch(state)
        audit.record(
            action="legal_map.equivalence_revoked",
            actor=actor,
            object_type="legal_map.equivalence",
            object_id=eq.pk,
            details={"mapping": str(eq)},
        )
    return eq
