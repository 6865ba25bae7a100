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
    # v2 rules (issue 16): a minor in a live display is a minor's sexual performance, not
    # material; a minor must be *depicted* for pornography to be CSAM.
    live = derive({"minor_victim", "sexual_display"})
    assert "minor_sexual_performance" in live and "child_abuse_material" not in live
    assert "minor_sexual_performance" not in derive({"adult_victim", "sexual_display"})
    assert "child_abuse_material" not in derive({"adult_victim", "sexual_display"})
    assert "child_abuse_material" not in derive({"minor_victim", "pornography"})
    assert "child_abuse_material" in derive({"minor_depicted", "pornography"})
    assert "csam_production" in derive({"minor_depicted", "pornography_production"})
    assert "minor_victim" in derive({"minor_depicted"})
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
            # v2 order: in force, lawful kind, complete before incomplete, then score.
            keys = [
                (not m.in_force_at_date, m.offence.code_kind != "criminal", bool(m.missing),
                 -m.score)
                for m in c.results
            ]  # fmt: skip
            assert keys == sorted(keys)
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
                # Never satisfied on an unreliable source or facts not making it out.
                assert c.source.verification in engine.RELIABLE
                assert c.conduct is not None
                assert not (c.conduct.contradicted or c.conduct.unnamed or c.conduct.other_acts)
            if c.verdict == "not_satisfied":
                # Kept for what the law rules out, never for the catalogue's silence.
                codes = {r.code for r in c.reasons}
                assert codes & {"source_draft", "source_contravention", "source_not_in_force"}
                assert "catalogue_gap" not in codes and "coverage_gap" not in codes

    check()


@pytest.mark.parametrize(
    ("language", "reference", "shown"),
    [
        ("ru", "KG ? (webcam 2024) p.(minor)", "KG б/н (вебкам, 2024) ч.(несовершеннолетний)"),
        ("en", "? (webcam 2024)", "unnumbered (webcam 2024)"),
        ("ru", "335-1 (?)", "335-1 (?)"),
        ("ru", "KZ 309 p.2 item 4", "KZ 309 ч.2 п. 4"),
    ],
)
def test_an_article_without_a_number_is_named_so_in_words(language, reference, shown):
    """The catalogue's '?' (no source gave the number) never reaches a page as '?'."""
    from django.utils import translation

    from legal_map.reasons import ref_text

    with translation.override(language):
        assert ref_text(reference) == shown
