"""The comparison engine: pure functions over an in-memory catalogue.

Design. A source offence (one article part) describes conduct as element tags: what it
requires, and groups of alternatives (acts, means, qualifying features). The conduct
compared is the source's required elements (charged by the requesting state, so assumed
where the facts are silent and reported as assumed), the facts, and from each group of
alternatives only what the facts name. Where the facts name none of a group, each
alternative is judged on its own and the weakest verdict stands: the charge may rest on
any of them. Facts that contradict a required element (legal_map.vocabulary.CONTRADICTS),
or that describe another act than the one the source requires, mean the facts do not make
out the source offence: the verdict is then never "satisfied". The set is closed under
the vocabulary's derivation rules. Elements the source itself excludes ("if the act has no
features of trafficking") or that contradict it are *decisive*: the conduct then belongs
elsewhere, so they weigh most and their ICCS line replaces the source's.

Each candidate target part is scored from three things only, never from a table of
expected answers: target fit (share of its required elements and groups established),
source fit (weighted share of established elements the target names; decisive 4,
conduct and victim 2, purpose 1.5, means 1, aggravating and conditions 0.5; an element
merely covered counts 0.6) and ICCS similarity: score = 0.45 fit + 0.40 source fit +
0.15 ICCS, divided by four when the target excludes an established element. Curated
equivalences raise a score by 0.25 or pin a target first.

The verdict knows what it is for (PURPOSES): extradition needs a crime punishable by at
least one year's deprivation of liberty on both sides (Minsk Convention 1993 art. 56,
Chisinau Convention 2002 art. 80, European Convention on Extradition 1957 art. 2); mutual
legal assistance needs a crime on both sides; a takedown needs the conduct unlawful in the
requested state, as a crime or a contravention. Contraventions are never crimes; a draft
is never law. The requested state's law is read at the conduct's date and at its
decision's date; where they differ, or where the day an amendment took effect is not
known, every reading is judged and the verdict says so when they disagree.

"satisfied" needs a complete match in force, both sides resting on records verified at
least from a secondary source, the facts making out the source, and for extradition the
penalty threshold met on both sides. The catalogue's silence is never a legal conclusion:
a missing target offence, or a date outside what the catalogue covers, is "uncertain"
(a catalogue gap). "not_satisfied" is kept for what the law rules out: a source that is
a draft, a contravention (for criminal cooperation) or not in force, and a penalty below
the extradition threshold.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from legal_map.vocabulary import BY_TAG, CONTRADICTS, derive

PURPOSES = ("extradition", "mla", "takedown")
RELIABLE = frozenset({"verified_official", "verified_secondary"})
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
EXTRADITION_MIN_MONTHS = 12
MAX_ALTERNATIVE_READINGS = 24
VERDICT_RANK = {"not_satisfied": 0, "uncertain": 1, "satisfied": 2}


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
class Penalty:
    kind: str
    max: float | None
    unit: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def applies_at(self, date: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= date) and (
            self.valid_to is None or date < self.valid_to
        )

    @property
    def months(self) -> float | None:
        """The maximum deprivation of liberty in months (None: not one)."""
        if self.kind == "life_imprisonment":
            return float("inf")
        if self.kind != "imprisonment" or self.max is None:
            return None
        return (
            self.max * 12 if self.unit == "years" else self.max if self.unit == "months" else None
        )


@dataclass(frozen=True)
class Amendment:
    ref: str
    status: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    elements: Elements | None
    title_ru: str = ""
    title_en: str = ""
    valid_from_certain: dt.date | None = None
    penalties: tuple[Penalty, ...] | None = None

    def applies_at(self, date: dt.date, early: bool = False) -> bool:
        """In force at the date. Between `valid_from` and `valid_from_certain` (the day is
        not known) it applies only in the early reading."""
        if self.status != "in_force" or self.valid_from is None:
            return False
        start = (
            self.valid_from if early or self.valid_from_certain is None else self.valid_from_certain
        )
        return start <= date and (self.valid_to is None or date < self.valid_to)


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
    valid_from_certain: dt.date | None = None
    penalties: tuple[Penalty, ...] = ()
    official_version: dt.date | None = None
    item: str = ""

    @property
    def label(self) -> str:
        part = f" p.{self.part}" if self.part else ""
        item = f" item {self.item}" if self.item else ""
        return f"{self.country} {self.article}{part}{item}"

    def in_force_at(self, date: dt.date, early: bool = False) -> bool:
        """Law at that date: not a draft, and inside its interval (the loader gives every
        record a start: its own, or its code's entry into force)."""
        if self.status == "draft" or self.valid_from is None:
            return False
        start = self.valid_from
        if not early and self.valid_from_certain is not None:
            start = self.valid_from_certain
        if date < start:
            return False
        if self.valid_to is not None:
            return date < self.valid_to
        return self.status == "in_force"

    def boundaries(self) -> list[dt.date]:
        """Every day on which this record's wording, penalty or force may change."""
        days = [self.valid_from, self.valid_from_certain, self.valid_to]
        days += [p.valid_from for p in self.penalties] + [p.valid_to for p in self.penalties]
        for a in self.amendments:
            days += [a.valid_from, a.valid_from_certain, a.valid_to]
            for p in a.penalties or ():
                days += [p.valid_from, p.valid_to]
        return [d for d in days if d is not None]

    def unsure_days(self) -> list[tuple[dt.date, dt.date]]:
        """Intervals where whether it (or an amendment of it) applies is not known."""
        out = []
        if self.valid_from and self.valid_from_certain:
            out.append((self.valid_from, self.valid_from_certain))
        for a in self.amendments:
            if a.valid_from and a.valid_from_certain:
                out.append((a.valid_from, a.valid_from_certain))
        return out

    def version_at(
        self, date: dt.date, early: bool = False
    ) -> tuple[Elements, str, str, list[str]]:
        """Elements and titles as amended by the amendments in force at the date."""
        elements, ru, en, refs = self.elements, self.title_ru, self.title_en, []
        for amendment in self._amendments_at(date, early):
            refs.append(amendment.ref)
            if amendment.elements is not None:
                elements = amendment.elements
            ru = amendment.title_ru or ru
            en = amendment.title_en or en
        return elements, ru, en, refs

    def max_months_at(self, date: dt.date, early: bool = False) -> float | None:
        """The longest deprivation of liberty the part carries at the date; None where the
        catalogue does not know its penalty, 0 where it carries none."""
        penalties = self.penalties
        for amendment in self._amendments_at(date, early):
            if amendment.penalties is not None:
                penalties = amendment.penalties
        current = [p for p in penalties if p.applies_at(date)]
        if not current:
            return None
        months = [m for m in (p.months for p in current) if m is not None]
        return max(months) if months else 0.0

    def _amendments_at(self, date: dt.date, early: bool) -> list[Amendment]:
        return sorted(
            (a for a in self.amendments if a.applies_at(date, early)),
            key=lambda a: a.valid_from or dt.date.min,
        )


@dataclass(frozen=True)
class CodeRec:
    country: str
    code: str
    code_kind: str
    in_force_from: dt.date
    in_force_to: dt.date | None
    covered_from: dt.date
    covered_to: dt.date | None
    title_ru: str = ""
    title_en: str = ""

    def covers(self, date: dt.date) -> bool:
        in_force = self.in_force_from <= date and (
            self.in_force_to is None or date < self.in_force_to
        )
        covered = self.covered_from <= date and (self.covered_to is None or date < self.covered_to)
        return in_force and covered


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
    codes: list[CodeRec] = field(default_factory=list)
    by_country: dict[str, list[OffenceRec]] = field(default_factory=dict)
    unsure_by_country: dict[str, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)

    boundaries: dict[str, list[dt.date]] = field(default_factory=dict)
    versions: dict[tuple[int, dt.date, bool], Version] = field(default_factory=dict)
    curations: dict[tuple[int, int], Equivalence | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rec in self.offences:
            self.by_country.setdefault(rec.country, []).append(rec)
            self.unsure_by_country.setdefault(rec.country, []).extend(rec.unsure_days())
            self.boundaries.setdefault(rec.country, []).extend(rec.boundaries())
        for code in self.codes:
            self.boundaries.setdefault(code.country, []).extend(
                d
                for d in (code.in_force_from, code.in_force_to, code.covered_from, code.covered_to)
                if d
            )

    def law_changes(
        self,
        country: str,
        start: dt.date,
        end: dt.date,
        touching: frozenset[str],
        penalties: bool = False,
    ) -> bool:
        """Whether the country's law in the catalogue reads differently at `end` than at
        `start` where it touches the conduct (a code's dates, or a record naming one of its
        elements whose wording or force, or with `penalties` its penalty, differs), so that
        reading it at both dates could differ."""
        if not any(start < d <= end for d in self.boundaries.get(country, ())):
            return False
        for code in self.codes:
            days = (code.in_force_from, code.in_force_to, code.covered_from, code.covered_to)
            if code.country == country and any(d and start < d <= end for d in days):
                return True
        for rec in self.by_country.get(country, ()):
            if not any(start < d <= end for d in rec.boundaries()):
                continue
            for early in (False, True):
                before, after = rec.version_at(start, early)[0], rec.version_at(end, early)[0]
                if before.scope.isdisjoint(touching) and after.scope.isdisjoint(touching):
                    continue
                if before != after or rec.in_force_at(start, early) != rec.in_force_at(end, early):
                    return True
                if penalties and rec.max_months_at(start, early) != rec.max_months_at(end, early):
                    return True
        return False
        for code in self.codes:
            days = (code.in_force_from, code.in_force_to, code.covered_from, code.covered_to)
            if code.country == country and any(d and start < d <= end for d in days):
                return True
        for rec in self.by_country.get(country, ()):
            if not any(start < d <= end for d in rec.boundaries()):
                continue
            scopes = [rec.elements.scope] + [a.elements.scope for a in rec.amendments if a.elements]
            if any(not scope.isdisjoint(touching) for scope in scopes):
                return True
        return False

    def covered(self, country: str, date: dt.date, kinds: Iterable[str] = ("criminal",)) -> bool:
        wanted = set(kinds)
        return any(
            c.covers(date) for c in self.codes if c.country == country and c.code_kind in wanted
        )

    def earliest_cover(self, country: str) -> dt.date | None:
        starts = [
            c.covered_from for c in self.codes if c.country == country and c.code_kind == "criminal"
        ]
        return min(starts, default=None)

    def day_unsure(self, country: str, date: dt.date) -> bool:
        return any(a <= date < b for a, b in self.unsure_by_country.get(country, ()))


@dataclass(frozen=True)
class Reason:
    """One reason of a verdict: a code (see legal_map.reasons) and its parameters, so
    the API can print it in English and the pages in the reader's language."""

    code: str
    params: dict[str, str | list[str]]


@dataclass
class Match:
    """A target offence as it fits one reading of the conduct. The element lists are
    worked out when read: most matches only rank, and a page shows a few."""

    offence: OffenceRec
    score: float
    in_force_at_date: bool
    elements: Elements
    conduct: Conduct
    all_met: bool  # every required element and one of each group established
    iccs_overlap: list[str]
    title_ru: str
    title_en: str
    amendments: list[str]
    curated: Equivalence | None = None
    max_months: float | None = None

    @cached_property
    def matched(self) -> list[str]:
        return sorted(self.conduct.established & self.elements.scope)

    @cached_property
    def missing(self) -> list[str]:
        established, els = self.conduct.established, self.elements
        out = [t for t in sorted(els.required) if t not in established]
        return out + ["|".join(sorted(g)) for g in els.any_of if not g & established]

    @cached_property
    def uncovered(self) -> list[str]:
        """The source's own elements the target does not name (an article silent on the
        victim's age covers every victim)."""
        els = self.elements
        out = []
        for tag in sorted(self.conduct.own):
            if tag in els.scope:
                continue
            if _kind(tag) == "victim" and not (CONTRADICTS.get(tag, frozenset()) & els.named):
                continue
            out.append(tag)
        return out

    @cached_property
    def excluded_hits(self) -> list[str]:
        return sorted(self.elements.excludes & self.conduct.established)

    @property
    def complete(self) -> bool:
        return self.all_met and not self.excluded_hits


@dataclass(frozen=True)
class Conduct:
    """The conduct as compared: what the facts and the charge establish."""

    established: frozenset[str]
    decisive: frozenset[str]
    own: frozenset[str]  # the source's elements as the facts leave them
    assumed: tuple[str, ...]  # required by the source, not stated in the facts
    chosen: tuple[str, ...]  # alternatives judged because the facts named none of a group
    contradicted: tuple[str, ...]  # source elements the facts contradict
    contradicting: tuple[str, ...]  # the facts that contradict them
    other_acts: tuple[str, ...]  # acts the facts describe that the source does not name
    unnamed: tuple[str, ...] = ()  # groups of means or features the facts name none of

    @cached_property
    def weights(self) -> dict[str, float]:
        return {t: _weight(t, self.decisive) for t in self.established}

    @cached_property
    def total_weight(self) -> float:
        return sum(self.weights.values()) or 1.0


@dataclass
class Reading:
    """One reading of the comparison: a conduct (with one choice of alternatives), the
    date the requested state's law is read at, and whether an amendment of unknown day
    is taken to apply."""

    conduct: Conduct
    law_date: dt.date
    early: bool
    results: list[Match]
    verdict: str
    reasons: list[Reason]


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
    purpose: str = "mla"
    decision_date: dt.date | None = None
    conduct: Conduct | None = None
    readings: int = 1


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


def find_offence(
    cat: Catalogue, country: str, article: str, part: str = "", date: dt.date | None = None
) -> OffenceRec:
    """The article part a prosecutor names; without a part, its basic part. Where two
    codes share the number (a former and the current code), the one in force at the date."""
    if country not in cat.by_country:
        raise ValueError(f"unknown country {country!r}")
    key = article_key(article)
    parts = [
        r
        for r in cat.by_country[country]
        if r.article_key == key and r.record_kind in ("offence", "draft_act")
    ]
    if not parts:
        raise LookupError(f"{country} art. {article} is not in the catalogue")
    if date is not None:
        current = [r for r in parts if r.in_force_at(date, early=True)]
        parts = current or parts
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


@functools.lru_cache(maxsize=4096)
def _iccs_cached(source: tuple[str, ...], target: tuple[str, ...]) -> tuple[float, list[str]]:
    return _iccs(source, target)


Version = tuple[Elements, str, str, list[str], float | None]


def _version(cat: Catalogue, rec: OffenceRec, date: dt.date, early: bool) -> Version:
    """A record's wording and penalty at a date, remembered by its catalogue (a new
    catalogue object is built whenever the data changes)."""
    key = (rec.pk, date, early)
    found = cat.versions.get(key)
    if found is None:
        els, ru, en, refs = rec.version_at(date, early)
        found = cat.versions[key] = (els, ru, en, refs, rec.max_months_at(date, early))
    return found


def _weight(tag: str, decisive: frozenset[str]) -> float:
    if tag in decisive:
        return DECISIVE_WEIGHT
    entry = BY_TAG.get(tag)
    return KIND_WEIGHT.get(entry.kind, 1.0) if entry else 1.0


def _kind(tag: str) -> str:
    entry = BY_TAG.get(tag)
    return entry.kind if entry else ""


def conduct_readings(source: Elements, facts: set[str]) -> list[Conduct]:
    """The conduct the comparison judges, once per choice among the alternatives the facts
    leave open (one reading when they name one of each group)."""
    closure = derive(facts)
    own = set(source.required)
    contradicted, contradicting = set(), set()
    for fact in closure:
        for element in CONTRADICTS.get(fact, ()):
            if element in own:
                own.discard(element)
                contradicted.add(element)
                contradicting.add(fact)
    open_groups: list[list[str]] = []
    unnamed: list[str] = []
    for group in source.any_of:
        named = group & closure
        if named:
            own |= named
        elif any(_kind(t) == "conduct" for t in group):
            # Alternative acts: the charge rests on one of them; each is judged.
            possible = [t for t in group if not any(t in CONTRADICTS.get(f, ()) for f in closure)]
            open_groups.append(sorted(possible or group))
        else:
            # A means or qualifying feature the part requires and the facts do not name:
            # the facts do not make out this part.
            unnamed.append("|".join(sorted(group)))
    # Acts the facts describe that the source does not name, while an act the source
    # requires is not among the facts: the facts tell another story than the charge.
    facts_acts = {t for t in derive(set(facts)) if _kind(t) == "conduct"}
    missing_acts = {t for t in source.required if _kind(t) == "conduct" and t not in closure}
    other_acts = sorted(facts_acts - source.scope) if missing_acts else []
    # Each way the charge may rest on its alternatives, at its minimum: {brothel} covers
    # (brothel, brothel) and makes (brothel, profit) redundant.
    combos = itertools.islice(itertools.product(*open_groups), MAX_ALTERNATIVE_READINGS)
    sets = sorted({frozenset(c) for c in combos}, key=lambda c: (len(c), sorted(c)))
    minimal: list[frozenset[str]] = []
    for candidate in sets:
        if not any(m <= candidate for m in minimal):
            minimal.append(candidate)
    out = []
    for chosen in minimal or [frozenset()]:
        base = own | chosen
        established = frozenset(derive(base | facts))
        # What the contradicting facts bring (a minor in a webcam case: a minor's sexual
        # performance) decides where the conduct belongs.
        without = derive(base | (facts - contradicting)) if contradicting else established
        decisive_base = frozenset(contradicting) | (established - without)
        out.append(
            Conduct(
                established=established,
                decisive=frozenset((established & source.excludes) | decisive_base),
                own=frozenset(base),
                assumed=tuple(sorted(t for t in base if t not in closure and t not in chosen)),
                chosen=tuple(sorted(chosen)),
                contradicted=tuple(sorted(contradicted)),
                contradicting=tuple(sorted(contradicting)),
                other_acts=tuple(other_acts),
                unnamed=tuple(unnamed),
            )
        )
    return out


def establish(source: Elements, facts: set[str]) -> tuple[set[str], set[str], set[str]]:
    """(established tags, decisive tags, the source's own elements) of the first reading."""
    first = conduct_readings(source, facts)[0]
    return set(first.established), set(first.decisive), set(first.own)


def _score(els: Elements, conduct: Conduct, similarity: float) -> tuple[float, bool]:
    """How well a target's elements cover the conduct (0..1), and whether every element
    it requires is established; cheap, because most targets stop here."""
    established = conduct.established
    required, any_of, named = els.required, els.any_of, els.named
    slots = len(required) + len(any_of)
    met = len(required & established)
    for group in any_of:
        if not group.isdisjoint(established):
            met += 1
    fit = met / slots if slots else 0.0
    weight = conduct.weights.__getitem__
    gained = sum(map(weight, established & named))
    if els.covers:
        gained += COVERS_CREDIT * sum(map(weight, (established & els.covers) - named))
    score = 0.45 * fit + 0.40 * (gained / conduct.total_weight) + 0.15 * similarity
    if els.excludes and not els.excludes.isdisjoint(established):
        score *= EXCLUDED_FACTOR
    return score, met == slots


def _curation(cat: Catalogue, source: OffenceRec, target: OffenceRec) -> Equivalence | None:
    key = (source.pk, target.pk)
    if key not in cat.curations:
        cat.curations[key] = _find_curation(cat, source, target)
    return cat.curations[key]


def _find_curation(cat: Catalogue, source: OffenceRec, target: OffenceRec) -> Equivalence | None:
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


def _results(
    cat: Catalogue,
    source: OffenceRec,
    target_country: str,
    conduct: Conduct,
    date: dt.date,
    early: bool,
    lawful_kinds: frozenset[str],
) -> list[Match]:
    effective_iccs = (
        tuple(BY_TAG[t].iccs for t in sorted(conduct.decisive) if t in BY_TAG and BY_TAG[t].iccs)
        or source.iccs
    )
    results: list[Match] = []
    related: list[Match] = []
    established = conduct.established
    for target in cat.by_country.get(target_country, []):
        if target.record_kind != "offence":
            continue
        curated = _curation(cat, source, target)
        els, ru, en, refs, max_months = _version(cat, target, date, early)
        similarity, overlap = _iccs_cached(effective_iccs, target.iccs)
        if curated is None and not overlap and els.scope.isdisjoint(established):
            # Shares no element with the conduct and not its ICCS line: below the
            # threshold, and not a related offence either.
            continue
        score, all_met = _score(els, conduct, similarity)
        if curated is not None and curated.kind == "raise":
            score = min(1.0, score + RAISE_BONUS)
        score = round(score, 3)
        in_force = target.in_force_at(date, early)
        if score >= THRESHOLD or curated is not None:
            keep = results
        elif overlap and in_force and els.excludes.isdisjoint(established):
            keep = related
        else:
            continue
        keep.append(
            Match(
                offence=target,
                score=score,
                in_force_at_date=in_force,
                elements=els,
                conduct=conduct,
                all_met=all_met,
                iccs_overlap=overlap,
                title_ru=ru,
                title_en=en,
                amendments=refs,
                curated=curated,
                max_months=max_months,
            )
        )
    if not any(m.in_force_at_date and m.offence.code_kind in lawful_kinds for m in results):
        # Nothing comparable in force: show the offences of the same ICCS line, so that
        # the reader sees what the catalogue has, and the verdict says what they lack.
        results += related
    results.sort(key=lambda m: _order(m, lawful_kinds))
    return results


def compare(
    cat: Catalogue,
    source: OffenceRec,
    target_country: str,
    facts: Iterable[str],
    date: dt.date,
    purpose: str = "mla",
    decision_date: dt.date | None = None,
) -> Comparison:
    """Judge every reading (alternatives the facts leave open, the conduct's and the
    decision's date, an amendment's unknown day) and keep the weakest."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    fact_set = set(facts)
    # A takedown asks about content online now: both laws at the decision's date.
    conduct_date = decision_date if purpose == "takedown" and decision_date else date
    law_dates = [conduct_date]
    source_early = [False, True] if cat.day_unsure(source.country, conduct_date) else [False]
    readings: list[Reading] = []
    memo: dict[tuple[object, ...], list[Match]] = {}
    for src_early in source_early:
        src_els, _ru, _en, _refs = source.version_at(conduct_date, src_early)
        for conduct in conduct_readings(src_els, fact_set):
            dates = law_dates
            if (
                purpose != "takedown"
                and decision_date
                and decision_date != conduct_date
                and cat.law_changes(
                    target_country,
                    conduct_date,
                    decision_date,
                    conduct.established,
                    penalties=purpose == "extradition",
                )
            ):
                dates = [*law_dates, decision_date]
            for law_date in dates:
                tgt_early = [False, True] if cat.day_unsure(target_country, law_date) else [False]
                for early in tgt_early:
                    readings.append(
                        _reading(
                            cat, source, target_country, conduct, conduct_date, law_date,
                            src_early, early, purpose, memo,
                        )
                    )  # fmt: skip
    primary = readings[0]
    weakest = min(readings, key=lambda r: VERDICT_RANK[r.verdict])
    verdict, reasons = weakest.verdict, list(weakest.reasons)
    verdicts = {r.verdict for r in readings}
    if len(verdicts) > 1:
        about_day = {
            r.verdict
            for r in readings
            if r.conduct is weakest.conduct and r.law_date == weakest.law_date
        }
        if len(about_day) > 1 and verdict == "not_satisfied":
            verdict = "uncertain"  # it turns on a day the catalogue does not know
        if len(about_day) > 1:
            reasons.insert(0, Reason("day_unknown", {"country": target_country}))
        dated = {r.verdict for r in readings if r.law_date != conduct_date}
        if dated and dated != {r.verdict for r in readings if r.law_date == conduct_date}:
            reasons.insert(
                0,
                Reason(
                    "law_changed",
                    {"country": target_country, "conduct": conduct_date.isoformat(),
                     "decision": (decision_date or conduct_date).isoformat()},
                ),
            )  # fmt: skip
    if weakest.conduct.chosen and len({r.verdict for r in readings}) > 1:
        # The alternatives lead to different verdicts: say which one decided.
        judged: dict[str, str | list[str]] = {
            "source": source.label,
            "elements": list(weakest.conduct.chosen),
        }
        reasons.insert(0, Reason("alternative_judged", judged))
    return Comparison(
        source=source,
        target_country=target_country,
        date=conduct_date,
        facts=sorted(fact_set),
        established=sorted(weakest.conduct.established),
        decisive=sorted(weakest.conduct.decisive),
        results=_best_of(readings, primary, _lawful(purpose)),
        verdict=verdict,
        reasons=reasons,
        purpose=purpose,
        decision_date=decision_date,
        conduct=weakest.conduct,
        readings=len(readings),
    )


def _best_of(readings: list[Reading], primary: Reading, lawful: frozenset[str]) -> list[Match]:
    """Each offence as it fits best under the conduct's readings at the conduct's date
    (the verdict is the weakest reading's; the list shows what each offence could cover)."""
    best: dict[int, Match] = {}
    for r in readings:
        if r.law_date != primary.law_date or r.early != primary.early:
            continue
        for m in r.results:
            held = best.get(m.offence.pk)
            if held is None or (m.all_met, m.score) > (held.all_met, held.score):
                best[m.offence.pk] = m
    return sorted(best.values(), key=lambda m: _order(m, lawful))


def _order(m: Match, lawful: frozenset[str]) -> tuple[bool, bool, bool, bool, float, int]:
    """Pinned first, then in force, lawful kind (crime, or for a takedown also a
    contravention), complete, by score, in catalogue order."""
    return (
        not (m.curated is not None and m.curated.kind == "pin"),
        not m.in_force_at_date,
        m.offence.code_kind not in lawful,
        not m.all_met,
        -m.score,
        m.offence.position,
    )


def _describe(rec: OffenceRec) -> str:
    return f"{rec.label} ({rec.verification})"


def _months(value: float | None) -> str:
    if value is None:
        return "?"
    if value == float("inf"):
        return "life"
    if value == 0:
        return "none"
    return f"{value / 12:g}" if value % 12 == 0 else f"{value:g}m"


def _lawful(purpose: str) -> frozenset[str]:
    """What makes conduct unlawful for the purpose: a crime, or for a takedown also a
    contravention (a contravention is never a crime)."""
    return frozenset({"criminal", "contravention"} if purpose == "takedown" else {"criminal"})


def _reading(
    cat: Catalogue,
    source: OffenceRec,
    country: str,
    conduct: Conduct,
    conduct_date: dt.date,
    law_date: dt.date,
    src_early: bool,
    early: bool,
    purpose: str,
    memo: dict[tuple[object, ...], list[Match]],
) -> Reading:
    lawful = _lawful(purpose)
    key = (
        source.pk,
        country,
        conduct.established,
        conduct.decisive,
        conduct.own,
        law_date,
        early,
        lawful,
    )
    results = memo.get(key)
    if results is None:
        results = memo[key] = _results(cat, source, country, conduct, law_date, early, lawful)
    verdict, reasons = _verdict(
        cat, source, country, conduct, conduct_date, law_date, src_early, purpose, lawful, results
    )
    return Reading(conduct, law_date, early, results, verdict, reasons)


def _verdict(
    cat: Catalogue,
    source: OffenceRec,
    country: str,
    conduct: Conduct,
    conduct_date: dt.date,
    law_date: dt.date,
    src_early: bool,
    purpose: str,
    lawful: frozenset[str],
    results: list[Match],
) -> tuple[str, list[Reason]]:
    day, law_day = conduct_date.isoformat(), law_date.isoformat()
    reasons: list[Reason] = [Reason("purpose", {"purpose": purpose})]
    notes: list[Reason] = []
    for m in results[:6]:
        if m.offence.status == "draft":
            notes.append(Reason("draft", {"offence": m.offence.label}))
        elif not m.in_force_at_date:
            notes.append(Reason("not_in_force", {"offence": m.offence.label, "date": law_day}))
        elif m.offence.code_kind != "criminal":
            notes.append(Reason("administrative", {"offence": m.offence.label}))
        if m.curated is not None:
            notes.append(
                Reason(
                    "curated",
                    {"kind": m.curated.kind, "offence": m.offence.label, "note": m.curated.note},
                )
            )

    # The source: is there an offence to compare at all?
    if source.status == "draft" or source.record_kind == "draft_act":
        return "not_satisfied", [*reasons, Reason("source_draft", {"source": source.label})]
    if source.code_kind != "criminal" and purpose != "takedown":
        return "not_satisfied", [*reasons, Reason("source_contravention", {"source": source.label})]
    if not source.in_force_at(conduct_date, src_early):
        return "not_satisfied", [
            *reasons,
            Reason("source_not_in_force", {"source": source.label, "date": day}),
        ]
    if purpose == "extradition":
        src_max = source.max_months_at(conduct_date, src_early)
        if src_max is not None and src_max < EXTRADITION_MIN_MONTHS:
            if src_max == 0:
                none = Reason("penalty_source_none", {"source": source.label})
                return "not_satisfied", [*reasons, none]
            below: dict[str, str | list[str]] = {"source": source.label, "max": _months(src_max)}
            return "not_satisfied", [*reasons, Reason("penalty_source_below", below)]
    if conduct.assumed:
        reasons.append(
            Reason("assumed", {"source": source.label, "elements": list(conduct.assumed)})
        )
    made_out = True
    if conduct.contradicted:
        made_out = False
        reasons.append(
            Reason(
                "facts_contradict",
                {
                    "source": source.label,
                    "date": day,
                    "elements": list(conduct.contradicted),
                    "facts": list(conduct.contradicting),
                },
            )
        )
    if conduct.unnamed:
        made_out = False
        reasons.append(
            Reason("unnamed_group", {"source": source.label, "elements": list(conduct.unnamed)})
        )
    if conduct.other_acts:
        made_out = False
        reasons.append(
            Reason("other_acts", {"source": source.label, "elements": list(conduct.other_acts)})
        )

    # The requested state's law.
    if not cat.covered(country, law_date, lawful):
        return "uncertain", [
            *reasons,
            Reason("coverage_gap", {"country": country, "date": law_day}),
            *notes,
        ]
    eligible = [
        m
        for m in results
        if m.in_force_at_date and m.offence.code_kind in lawful and not m.excluded_hits
    ]
    complete = [m for m in eligible if m.all_met or (m.curated and m.curated.kind == "pin")]
    if not complete:
        close = [m for m in eligible if m.score >= CLOSE]
        if close:
            best = close[0]
            reasons.append(
                Reason(
                    "closest_missing",
                    {"offence": _describe(best.offence), "elements": best.missing},
                )
            )
            reasons.append(Reason("would_change_missing", {"elements": best.missing}))
        elif eligible:
            best = eligible[0]
            reasons.append(
                Reason(
                    "related_only",
                    {
                        "offence": _describe(best.offence),
                        "iccs": ", ".join(best.iccs_overlap),
                        "elements": best.missing,
                    },
                )
            )
        else:
            reasons.append(Reason("catalogue_gap", {"country": country, "date": law_day}))
        return "uncertain", reasons + notes

    good = [m for m in complete if m.offence.verification in RELIABLE]
    best = good[0] if good else complete[0]
    reasons.append(
        Reason("complete", {"offence": _describe(best.offence), "elements": best.matched})
    )
    if complete[0] is not best:
        reasons.append(Reason("top_unverified", {"offence": _describe(complete[0].offence)}))
    reasons.append(
        Reason("labels", {"source": _describe(source), "target": _describe(best.offence)})
    )
    verdict = "satisfied"
    if purpose == "extradition":
        verdict, penalty_reasons, best = _penalty_check(
            source, conduct_date, src_early, good or complete, best
        )
        reasons += penalty_reasons
    source_ok = source.verification in RELIABLE
    if verdict == "satisfied" and not (source_ok and good):
        verdict = "uncertain"
        if not source_ok:
            reasons.append(Reason("source_unverified", {"source": _describe(source)}))
        if not good:
            reasons.append(Reason("rests_on_unverified", {}))
    if verdict == "satisfied" and not made_out:
        verdict = "uncertain"
        reasons.append(Reason("not_made_out", {"source": source.label}))
    if verdict == "satisfied":
        if "verified_official" not in (source.verification, best.offence.verification):
            reasons.append(Reason("secondary_only", {}))
        others = [_describe(m.offence) for m in complete if m is not best][:3]
        if others:
            reasons.append(Reason("also_complete", {"offences": ", ".join(others)}))
    return verdict, reasons + notes


def _penalty_check(
    source: OffenceRec,
    date: dt.date,
    early: bool,
    complete: list[Match],
    best: Match,
) -> tuple[str, list[Reason], Match]:
    """Extradition: at least a year's deprivation of liberty on both sides."""
    src = source.max_months_at(date, early)
    reasons: list[Reason] = []
    if src is not None and src < EXTRADITION_MIN_MONTHS:
        if src == 0:
            reasons.append(Reason("penalty_source_none", {"source": source.label}))
        else:
            reasons.append(
                Reason("penalty_source_below", {"source": source.label, "max": _months(src)})
            )
        return "not_satisfied", reasons, best
    passing = [
        m for m in complete if m.max_months is not None and m.max_months >= EXTRADITION_MIN_MONTHS
    ]
    unknown = [m for m in complete if m.max_months is None]
    if passing:
        best = passing[0]
    if src is None:
        reasons.append(Reason("penalty_unknown", {"offence": source.label}))
        return "uncertain", reasons, best
    if passing:
        reasons.append(
            Reason(
                "penalty_ok",
                {"source": source.label, "source_max": _months(src),
                 "offence": best.offence.label, "max": _months(best.max_months)},
            )
        )  # fmt: skip
        return "satisfied", reasons, best
    if unknown:
        reasons.append(Reason("penalty_unknown", {"offence": unknown[0].offence.label}))
        return "uncertain", reasons, unknown[0]
    below = complete[0]
    if below.max_months == 0:
        reasons.append(Reason("penalty_target_none", {"offence": below.offence.label}))
    else:
        reasons.append(
            Reason(
                "penalty_target_below",
                {"offence": below.offence.label, "max": _months(below.max_months)},
            )
        )
    return "not_satisfied", reasons, below
