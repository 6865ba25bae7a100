"""Pure parts of the engine: spellings, ICCS similarity, derivation, and invariants of
every comparison (Hypothesis over facts, sources and dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legal_map import engine, selectors
from legal_map.vocabulary import BY_TAG, derive


@pytest.mark.parametrize(
    ("spelling", "key"),
    [("220/1", "220-1"), ("220-1", "220-1"), ("220¹", "220-1"), (" 335-1 (?)", "335-1")],
)
def test_article_spellings(spelling, key):
    assert engine.article_key(spelling) == key


def test_iccs_similarity():
    assert engine.iccs_similarity("0302", "0302") == 1.0
    assert engine.iccs_similarity("0302", "030221") == 0.7
    assert engine.iccs_similarity("030221", "030222") == 0.5
    assert engine.iccs_similarity("0204", "0302") == 0.0


def test_derivation():
    assert "child_abuse_material" in derive({"minor_victim", "sexual_display"})
    assert "child_abuse_material" not in derive({"adult_victim", "sexual_display"})
    assert "trafficking" in derive({"recruitment", "forced_labour"})
    assert "trafficking" not in derive({"recruitment"})
    assert derive({"webcam"}) >= {"webcam", "online"}
    assert all(tag in BY_TAG for tag in derive(set(BY_TAG)))


@pytest.mark.django_db
def test_every_comparison_keeps_its_invariants():
    cat = selectors.catalogue()
    sources = [r for r in cat.offences if r.record_kind == "offence"]

    @given(
        source=st.sampled_from(sources),
        facts=st.sets(st.sampled_from(sorted(BY_TAG)), max_size=5),
        date=st.dates(dt.date(2010, 1, 1), dt.date(2030, 1, 1)),
    )
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    def check(source, facts, date):
        for target in selectors.COUNTRIES:
            if target == source.country:
                continue
            c = engine.compare(cat, source, target, facts, date)
            assert c.verdict in ("satisfied", "not_satisfied", "uncertain") and c.reasons
            in_force = [m for m in c.results if m.in_force_at_date]
            assert in_force == c.results[: len(in_force)]
            assert [m.score for m in in_force] == sorted((m.score for m in in_force), reverse=True)
            for m in c.results:
                assert 0.0 <= m.score <= 1.0 and m.offence.country == target
                assert m.offence.record_kind == "offence"
                assert not m.in_force_at_date or m.offence.status != "draft"
            if c.verdict == "satisfied":
                assert any(
                    m.in_force_at_date
                    and not m.missing
                    and m.offence.verification in engine.RELIABLE
                    and m.offence.code_kind == "criminal"
                    for m in c.results
                )

    check()
