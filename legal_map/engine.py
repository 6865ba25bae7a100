"""The comparison engine: pure functions over an in-memory catalogue.

Design. A source offence (one article part) describes conduct as a set of element tags
(its required elements and its alternatives). The case's facts are tags of the same
vocabulary; they are added, and where a fact contradicts the source's usual victim (a
minor where the article speaks of adults) the fact wins. The set is closed under the
vocabulary's derivation rules (legal_map.vocabulary.RULES). Elements the source article
itself excludes ("if the act has no features of trafficking or child pornography") or
contradicts are *decisive*: under the source's own law the conduct then belongs elsewhere,
so they weigh most and their ICCS line replaces the source's.

Each candidate target part is then scored from three things only, never from a table of
expected answers:

- target fit: the share of the target's required elements (and alternative groups) that
  are established; what is not is reported as missing;
- source fit: the weighted share of established elements the target names (required or
  alternative: full weight; merely covered: 0.6), decisive elements weighing 4, conduct
  and victim 2, purpose 1.5, means 1, aggravating features and conditions 0.5;
- ICCS similarity (same code 1, ancestor or descendant 0.7, same level-3 group 0.5,
  same level-2 group 0.4, same section 0.2).

score = 0.45 * target fit + 0.40 * source fit + 0.15 * ICCS, divided by four when the
target excludes an established element. Coordinators' curated equivalences raise a score
by 0.25 or pin a target first. Results in force at the date of the conduct come first.

The dual-criminality verdict looks only at criminal offences in force at that date:
``satisfied`` when one has every required element established and both it and the source
rest on verified records (verified or verified_secondary); ``uncertain`` when the best such
match rests on partly verified or unverified records, or when the closest offence needs
elements the facts do not establish; ``not_satisfied`` when nothing in force comes close
(drafts and administrative offences do not count).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from legal_map.vocabulary import BY_TAG, OPPOSITES, derive

RELIABLE = frozenset({"verified", "verified_secondary"})
KIND_WEIGHT = {
    "conduct": 2.0,
    "purpose": 1.5,
    "means": 1.0,
    "victim": 2.0,
    "aggravating": 0.5,
    "condition": 0.5,
}
DECISIVE_WEIGHT = 4.0
COVERS_CREDIT = 0.6
EXCLUDED_FACTOR = 0.25
RAISE_BONUS = 0.25
THRESHOLD = 0.3
CLOSE = 0.4


@dataclass(frozen=True)
class Elements:
    required: frozenset[str] = frozenset()
    any_of: tuple[frozenset[str], ...] = ()
    covers: frozenset[str] = frozenset()
    excludes: frozenset[str] = frozenset()

    @cached_property
    def named(self) -> frozenset[str]:
        """Tags the article itself turns on (required or one of its alternatives)."""
        out = set(self.required)
        for group in self.any_of:
            out |= group
        return frozenset(out)

    @cached_property
    def scope(self) -> frozenset[str]:
        return self.named | self.covers


@dataclass(frozen=True)
class Amendment:
    ref: str
    status: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    elements: Elements | None
    title_ru: str = ""
    title_en: str = ""

    def applies_at(self, date: dt.date) -> bool:
        if self.status != "in_force" or self.valid_from is None:
            return False
        return self.valid_from <= date and (self.valid_to is None or date < self.valid_to)


@dataclass(frozen=True)
class OffenceRec:
    pk: int
    country: str
    code: str
    code_kind: str
    record_kind: str
    article: str
    article_key: str
    part: str
    title_ru: str
    title_en: str
    iccs: tuple[str, ...]
    status: str
    verification: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    elements: Elements
    amendments: tuple[Amendment, ...] = ()
    position: int = 0

    @property
    def label(self) -> str:
        part = f" p.{self.part}" if self.part else ""
        return f"{self.country} {self.article}{part}"

    def in_force_at(self, date: dt.date) -> bool:
        """Law at that date: not a draft, and inside its interval (an unknown start counts
        as in force: the records give a start only where a source did)."""
        if self.status == "draft":
            return False
        if self.valid_from is not None and date < self.valid_from:
            return False
        if self.valid_to is not None:
            return date < self.valid_to
        return self.status == "in_force"

    def version_at(self, date: dt.date) -> tuple[Elements, str, str, list[str]]:
        """Elements and titles as amended by the amendments in force at the date."""
        elements, ru, en, refs = self.elements, self.title_ru, self.title_en, []
        for amendment in sorted(
            (a for a in self.amendments if a.applies_at(date)),
            key=lambda a: a.valid_from or dt.date.min,
        ):
            refs.append(amendment.ref)
            if amendment.elements is not None:
                elements = amendment.elements
            ru = amendment.title_ru or ru
            en = amendment.title_en or en
        return elements, ru, en, refs


@dataclass(frozen=True)
class Equivalence:
    source: tuple[str, str, str]  # country, article_key, part
    target: tuple[str, str, str]
    kind: str  # raise | pin
    note: str


@dataclass
class Catalogue:
    offences: list[OffenceRec]
    equivalences: list[Equivalence] = field(default_factory=list)
    by_country: dict[str, list[OffenceRec]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rec in self.offences:
            self.by_country.setdefault(rec.country, []).append(rec)


@dataclass(frozen=True)
class Reason:
    """One reason of a verdict: a code (see legal_map.reasons) and its parameters, so
    the API can print it in English and the pages in the reader's language."""

    code: str
    params: dict[str, str | list[str]]


@dataclass
class Match:
    offence: OffenceRec
    score: float
    in_force_at_date: bool
    matched: list[str]
    missing: list[str]
    uncovered: list[str]
    iccs_overlap: list[str]
    excluded_hits: list[str]
    title_ru: str
    title_en: str
    amendments: list[str]
    curated: Equivalence | None = None

    @property
    def complete(self) -> bool:
        return not self.missing and not self.excluded_hits


@dataclass
class Comparison:
    source: OffenceRec
    target_country: str
    date: dt.date
    facts: list[str]
    established: list[str]
    decisive: list[str]
    results: list[Match]
    verdict: str
    reasons: list[Reason]


def article_key(article: str) -> str:
    """'220/1', '220-1', '220¹', ' 220 / 1 ' all name the same article."""
    text = article.strip().lower().replace("(?)", "")
    text = text.replace("¹", "-1").replace("²", "-2").replace("³", "-3")
    text = re.sub(r"\s+", "", text)
    return re.sub(r"[/.\-]+", "-", text).strip("-")


def part_key(part: str) -> str:
    text = part.strip().lower()
    text = re.sub(r"^(p\.|part|ч\.|ч|п\.)\s*", "", text)
    return re.sub(r"[\s()]+", "", text)


def _part_contains(stored: str, wanted: str) -> bool:
    key = part_key(stored)
    if key == wanted:
        return True
    m = re.fullmatch(r"(\d+)-(\d+)", key)
    return bool(m and wanted.isdigit() and int(m[1]) <= int(wanted) <= int(m[2]))


def find_offence(cat: Catalogue, country: str, article: str, part: str = "") -> OffenceRec:
    """The article part a prosecutor names; without a part, its basic part."""
    if country not in cat.by_country:
        raise ValueError(f"unknown country {country!r}")
    key = article_key(article)
    parts = [
        r for r in cat.by_country[country] if r.article_key == key and r.record_kind == "offence"
    ]
    if not parts:
        raise LookupError(f"{country} art. {article} is not in the catalogue")
    wanted = part_key(part)
    if not wanted:
        for preferred in ("", "1"):
            for rec in parts:
                if part_key(rec.part) == preferred:
                    return rec
        return parts[0]
    for rec in parts:
        if _part_contains(rec.part, wanted):
            return rec
    raise LookupError(f"{country} art. {article} has no part {part!r} in the catalogue")


def iccs_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if a.startswith(b) or b.startswith(a):
        return 0.7
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return {5: 0.5, 4: 0.4, 3: 0.2, 2: 0.2}.get(common, 0.0)


def _iccs(source: Iterable[str], target: Iterable[str]) -> tuple[float, list[str]]:
    best, overlap = 0.0, []
    for t in target:
        sims = [iccs_similarity(s, t) for s in source]
        top = max(sims, default=0.0)
        best = max(best, top)
        if top >= 0.7:
            overlap.append(t)
    return best, overlap


def _weight(tag: str, decisive: set[str]) -> float:
    if tag in decisive:
        return DECISIVE_WEIGHT
    entry = BY_TAG.get(tag)
    return KIND_WEIGHT.get(entry.kind, 1.0) if entry else 1.0


def establish(source: Elements, facts: set[str]) -> tuple[set[str], set[str], set[str]]:
    """(established tags, decisive tags, the source's own elements after the facts)."""
    # The source's own description: its required elements, and the conduct alternatives it
    # lists (a target naming any of them covers the same described conduct). Alternative
    # means, victims or aggravating features are not established until a fact says which.
    own = set(source.required)
    for group in source.any_of:
        own |= {t for t in group if t in BY_TAG and BY_TAG[t].kind == "conduct"}
    fact_closure = derive(facts)
    conflicts = set()
    for tag in fact_closure:
        opposite = OPPOSITES.get(tag)
        if opposite and opposite in own and opposite not in fact_closure:
            own.discard(opposite)
            conflicts.add(tag)
    established = derive(own | facts)
    decisive = (established & source.excludes) | conflicts
    return established, decisive, own


def _score_one(
    target: OffenceRec,
    date: dt.date,
    established: set[str],
    decisive: set[str],
    own: set[str],
    source_iccs: tuple[str, ...],
) -> Match:
    els, ru, en, refs = target.version_at(date)
    named = els.named
    missing = [t for t in sorted(els.required) if t not in established]
    missing += ["|".join(sorted(g)) for g in els.any_of if not g & established]
    slots = len(els.required) + len(els.any_of)
    fit = (slots - len(missing)) / slots if slots else 0.0
    total = sum(_weight(t, decisive) for t in established) or 1.0
    gained = sum(
        _weight(t, decisive) * (1.0 if t in named else COVERS_CREDIT)
        for t in established
        if t in named or t in els.covers
    )
    sim, overlap = _iccs(source_iccs, target.iccs)
    excluded = sorted(els.excludes & established)
    score = 0.45 * fit + 0.40 * (gained / total) + 0.15 * sim
    if excluded:
        score *= EXCLUDED_FACTOR
    uncovered = []
    for tag in sorted(own):
        if tag in els.scope:
            continue
        entry = BY_TAG.get(tag)
        if entry and entry.kind == "victim" and OPPOSITES.get(tag) not in els.named:
            continue  # an article silent on the victim's age covers every victim
        uncovered.append(tag)
    return Match(
        offence=target,
        score=score,
        in_force_at_date=target.in_force_at(date),
        matched=sorted(established & els.scope),
        missing=missing,
        uncovered=uncovered,
        iccs_overlap=overlap,
        excluded_hits=excluded,
        title_ru=ru,
        title_en=en,
        amendments=refs,
    )


def _curation(cat: Catalogue, source: OffenceRec, target: OffenceRec) -> Equivalence | None:
    found = None
    for eq in cat.equivalences:
        s_country, s_key, s_part = eq.source
        t_country, t_key, t_part = eq.target
        if (s_country, s_key) != (source.country, source.article_key):
            continue
        if (t_country, t_key) != (target.country, target.article_key):
            continue
        if s_part and part_key(s_part) != part_key(source.part):
            continue
        if t_part and part_key(t_part) != part_key(target.part):
            continue
        if found is None or eq.kind == "pin":
            found = eq
    return found


def compare(
    cat: Catalogue,
    source: OffenceRec,
    target_country: str,
    facts: Iterable[str],
    date: dt.date,
) -> Comparison:
    fact_set = set(facts)
    src_els, _ru, _en, _refs = source.version_at(date)
    established, decisive, own = establish(src_els, fact_set)
    effective_iccs = (
        tuple(BY_TAG[t].iccs for t in sorted(decisive) if t in BY_TAG and BY_TAG[t].iccs)
        or source.iccs
    )
    results: list[Match] = []
    related: list[Match] = []
    for target in cat.by_country.get(target_country, []):
        if target.record_kind != "offence":
            continue
        match = _score_one(target, date, established, decisive, own, effective_iccs)
        match.curated = _curation(cat, source, target)
        if match.curated is not None and match.curated.kind == "raise":
            match.score = min(1.0, match.score + RAISE_BONUS)
        match.score = round(match.score, 3)
        if match.score >= THRESHOLD or match.curated is not None:
            results.append(match)
        elif match.iccs_overlap and target.in_force_at(date) and not match.excluded_hits:
            related.append(match)
    if not any(m.in_force_at_date and m.offence.code_kind == "criminal" for m in results):
        # Nothing comparable in force: show the offences of the same ICCS line (e.g. UZ 223,
        # illegal crossing, for an organiser of illegal migration) so that the reader sees
        # what the catalogue has, and the verdict says what they lack.
        results += related
    results.sort(
        key=lambda m: (
            not (m.curated is not None and m.curated.kind == "pin"),
            not m.in_force_at_date,
            -m.score,
            m.offence.position,
        )
    )
    verdict, reasons = _verdict(source, target_country, date, results)
    return Comparison(
        source=source,
        target_country=target_country,
        date=date,
        facts=sorted(fact_set),
        established=sorted(established),
        decisive=sorted(decisive),
        results=results,
        verdict=verdict,
        reasons=reasons,
    )


def _describe(m: Match) -> str:
    return f"{m.offence.label} ({m.offence.verification})"


def _describe_rec(rec: OffenceRec) -> str:
    return f"{rec.label} ({rec.verification})"


def _verdict(
    source: OffenceRec, country: str, date: dt.date, results: list[Match]
) -> tuple[str, list[Reason]]:
    day = date.isoformat()
    reasons: list[Reason] = []
    notes: list[Reason] = []
    for m in results:
        if m.offence.status == "draft":
            notes.append(Reason("draft", {"offence": m.offence.label}))
        elif not m.in_force_at_date:
            notes.append(Reason("not_in_force", {"offence": m.offence.label, "date": day}))
        elif m.offence.code_kind != "criminal":
            notes.append(Reason("administrative", {"offence": m.offence.label}))
        if m.curated is not None:
            notes.append(
                Reason(
                    "curated",
                    {"kind": m.curated.kind, "offence": m.offence.label, "note": m.curated.note},
                )
            )
    criminal = [
        m
        for m in results
        if m.in_force_at_date and m.offence.code_kind == "criminal" and not m.excluded_hits
    ]
    complete = [m for m in criminal if not m.missing or (m.curated and m.curated.kind == "pin")]
    source_ok = source.verification in RELIABLE
    if not source.in_force_at(date):
        reasons.append(Reason("source_not_in_force", {"source": source.label, "date": day}))
    if complete:
        good = [m for m in complete if m.offence.verification in RELIABLE]
        best = good[0] if good else complete[0]
        reasons.append(Reason("complete", {"offence": _describe(best), "elements": best.matched}))
        if complete[0] is not best:
            reasons.append(Reason("top_unverified", {"offence": _describe(complete[0])}))
        if good and source_ok and source.in_force_at(date):
            others = [_describe(m) for m in complete if m is not best][:3]
            if others:
                reasons.append(Reason("also_complete", {"offences": ", ".join(others)}))
            return "satisfied", reasons + notes
        if not source_ok:
            reasons.append(Reason("source_unverified", {"source": _describe_rec(source)}))
        if not good:
            reasons.append(Reason("rests_on_unverified", {}))
        return "uncertain", reasons + notes
    close = [m for m in criminal if m.score >= CLOSE]
    if close:
        best = close[0]
        reasons.append(
            Reason("closest_missing", {"offence": _describe(best), "elements": best.missing})
        )
        return "uncertain", reasons + notes
    if criminal:
        best = criminal[0]
        reasons.append(
            Reason(
                "related_only",
                {
                    "offence": _describe(best),
                    "iccs": ", ".join(best.iccs_overlap),
                    "elements": best.missing,
                },
            )
        )
        return "uncertain", reasons + notes
    reasons.append(Reason("none", {"country": country, "date": day}))
    return "not_satisfied", reasons + notes
