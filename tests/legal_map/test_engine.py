"""The engine through the public service, on the real catalogue loaded after migrate.

These are the mappings a lawyer reads off the catalogue's own elements; the engine has no
table of expected answers, so each assertion here checks that elements, derivation rules
and ICCS lines lead to the right comparable offence and the right verdict.
"""

from __future__ import annotations

from typing import Any

import pytest

from legal_map import services

pytestmark = pytest.mark.django_db
DATE = "2025-03-01"
# The mission example as v2 reads it: MD 220/1 needs one of its acts (inducement or
# pimping) named, else each is judged and the weakest stands (engine docstring).
MISSION = ("webcam", "profit", "sexual_services", "pimping")


def cmp(src: str, to: str, facts: tuple[str, ...] = (), date: str = DATE) -> dict[str, Any]:
    country, article, *part = src.split(":")
    return services.compare(country, article, part[0] if part else "", to, list(facts), date)


def ranked(result: dict[str, Any], *, in_force: bool = True) -> list[str]:
    return [
        r["article"] + (f":{r['part']}" if r["part"] else "")
        for r in result["results"]
        if r["in_force_at_date"] == in_force
    ]


def first(result: dict[str, Any]) -> str:
    return ranked(result)[0].split(":")[0]


def by_article(result: dict[str, Any], article: str) -> dict[str, Any]:
    return next(r for r in result["results"] if r["article"] == article)


def test_mission_example_adult_victim():
    result = cmp("MD:220/1", "KZ", ("adult_victim", *MISSION))
    # Pimping for profit is KZ 309; KZ 308 p.1 needs violence/threat/blackmail/deception
    # (catalogue v2, docs/legal-map-catalogue-v2.md), so it no longer ranks second.
    assert ranked(result)[0] == "309:1"
    assert result["dual_criminality"]["verdict"] == "satisfied"
    kz309 = by_article(result, "309")
    # v1's "verified" records rest on secondary sources (catalogue v2 labels).
    assert kz309["status"] == "in_force" and kz309["verification"] == "verified_secondary"
    assert "other sexual services" in kz309["title_en"]  # the 2024 wording applies
    assert not kz309["missing_elements"]
    draft = by_article(result, "309-1")
    assert draft["status"] == "draft" and not draft["in_force_at_date"]
    # 309-1 is verified from the seed in v2 (docs/legal-map-catalogue-v2.md, KZ 309).
    assert draft["verification"] == "verified_secondary"
    assert result["results"].index(draft) > result["results"].index(kz309)
    assert "advertising" in draft["missing_elements"]
    # Drafts never count as law: every draft ranks after every result in force.
    drafts = [i for i, r in enumerate(result["results"]) if r["status"] == "draft"]
    in_force = [i for i, r in enumerate(result["results"]) if r["in_force_at_date"]]
    assert drafts and min(drafts) > max(in_force)
    assert not any(r["in_force_at_date"] for r in result["results"] if r["status"] == "draft")


def test_mission_example_minor_victim_puts_312_first():
    result = cmp("MD:220/1", "KZ", ("minor_victim", *MISSION))
    assert first(result) == "312"
    top = result["results"][0]
    # v2 rule: minor + sexual display is a minor's sexual performance, not CSAM.
    assert {"minor_sexual_performance", "minor_victim"} <= set(top["matched_elements"])
    assert "child_abuse_material" not in top["matched_elements"]
    assert top["verification"] == "partly_verified"  # the label travels with the record
    assert "134" in ranked(result)
    # MD 220/1 requires an adult victim: a minor contradicts it, so it is not made out
    # and the verdict is never "satisfied" (engine docstring).
    verdict = result["dual_criminality"]
    assert verdict["verdict"] != "satisfied"
    assert result["source"]["contradicted_elements"] == ["adult_victim"]
    assert any("do not make out MD 220/1" in r for r in verdict["reasons"])
    # No trafficking facts: 135 lacks its act (trafficking, or exploitation itself).
    kz135 = by_article(result, "135")
    assert any("trafficking" in m.split("|") for m in kz135["missing_elements"])


def test_minor_victim_with_trafficking_facts_brings_135_up():
    result = cmp("MD:220/1", "KZ", ("minor_victim", "online", "recruitment"))
    order = [a.split(":")[0] for a in ranked(result)]
    # Recruiting a minor for sexual exploitation is trafficking in minors: in v2, 135 and
    # 312 are both complete and 135 may rank first (ranked by score among complete ones).
    assert set(order[:2]) == {"135", "312"}
    assert not by_article(result, "135")["missing_elements"]
    assert result["dual_criminality"]["verdict"] != "satisfied"  # a minor: 220/1 not made out


def test_before_the_2024_amendment_online_services_are_not_covered():
    # On 2023-06-01 KZ 308/309 still spoke of prostitution only.
    result = cmp("MD:220/1", "KZ", ("adult_victim",), date="2023-06-01")
    kz308 = by_article(result, "308")
    assert "prostitution" in kz308["missing_elements"]
    assert "other sexual services" not in kz308["title_en"]
    assert result["dual_criminality"]["verdict"] != "satisfied"
    # The full mission facts do not help before the amendment either.
    mission = cmp("MD:220/1", "KZ", ("adult_victim", *MISSION), date="2023-06-01")
    assert mission["dual_criminality"]["verdict"] != "satisfied"
    assert "prostitution" in by_article(mission, "309")["missing_elements"]


@pytest.mark.parametrize(
    ("target", "article"),
    [("KZ", "128"), ("KG", "166"), ("UZ", "135"), ("TJ", "130-1")],
)
def test_trafficking(target, article):
    # MD 165 p.1 requires one of its means for an adult (catalogue v2): a means must be
    # named, else the facts do not make out the source and no verdict is "satisfied".
    assert first(cmp("MD:165", target, ("deception",))) == article
    assert cmp("MD:165", target)["dual_criminality"]["verdict"] != "satisfied"


@pytest.mark.parametrize(
    ("target", "expected"),
    [("KZ", "135"), ("KG", "167"), ("TJ", "167"), ("UZ", "135:3")],
)
def test_child_trafficking(target, expected):
    result = cmp("MD:206", target)
    assert ranked(result)[0].startswith(expected)


@pytest.mark.parametrize(
    ("target", "expected", "verdict"),
    [
        # KZ 312 was re-keyed to 312 p.1 (catalogue v2).
        ("KZ", "312:1", "uncertain"),
        # MD 208/1 itself is partly_verified in v2 (its acts are memory,
        # docs/legal-map-catalogue-v2.md): no match resting on it is "satisfied".
        ("UZ", "130:(minor)", "uncertain"),
        ("TJ", "241-2", "uncertain"),
        ("KG", "162", "uncertain"),
    ],
)
def test_child_pornography(target, expected, verdict):
    result = cmp("MD:208/1", target)
    assert ranked(result)[0] == expected
    assert result["dual_criminality"]["verdict"] == verdict
    assert any(
        "source record MD 208/1 (partly verified)" in r
        for r in result["dual_criminality"]["reasons"]
    )


# MD 220's acts are alternatives (pimping | inducement | profit, catalogue v2): the facts
# name pimping. KZ 309 ties the mercenary purpose to pimping, so KZ needs profit too.
@pytest.mark.parametrize(
    ("target", "facts", "article"),
    [
        ("KZ", ("pimping", "profit"), "309"),
        ("UZ", ("pimping",), "131"),
        ("TJ", ("pimping",), "239"),
    ],
)
def test_pimping(target, facts, article):
    assert first(cmp("MD:220", target, facts)) == article


def test_kz_pimping_without_profit_is_not_309():
    # KZ 309 p.1: brothel, or pimping for profit (catalogue v2, docs/legal-map-catalogue-v2.md).
    result = cmp("MD:220", "KZ", ("pimping",))
    assert "brothel|profit" in by_article(result, "309")["missing_elements"]
    assert result["dual_criminality"]["verdict"] == "uncertain"


def test_pimping_rests_on_partly_verified_records_in_uz_and_tj():
    for target in ("UZ", "TJ"):
        verdict = cmp("MD:220", target, ("pimping",))["dual_criminality"]
        assert verdict["verdict"] == "uncertain"
        assert any("partly verified or unverified" in r for r in verdict["reasons"])


def test_forced_labour():
    assert first(cmp("MD:168", "TJ")) == "130-2"
    assert first(cmp("MD:168", "KG")) == "170"
    uz = cmp("MD:168", "UZ")
    assert first(uz) == "148-2"
    assert "administrative_prejudice" in uz["results"][0]["missing_elements"]
    # No stand-alone forced-labour article in KZ, but 128 p.1 reaches "its exploitation"
    # itself (any_of trafficking | exploiting_person, docs/legal-map-catalogue-v2.md).
    kz = cmp("MD:168", "KZ")
    assert ranked(kz)[0] == "128:1"
    assert not kz["results"][0]["missing_elements"]
    assert kz["dual_criminality"]["verdict"] == "satisfied"


@pytest.mark.parametrize(("target", "article"), [("KZ", "394"), ("TJ", "335-1")])
def test_illegal_migration(target, article):
    assert first(cmp("MD:362/1", target)) == article


def test_illegal_migration_has_no_uz_organiser_article():
    # The catalogue has only UZ 223 (the person's own illegal crossing, same ICCS line):
    # shown as related, and the verdict says what it lacks instead of guessing.
    result = cmp("MD:362/1", "UZ")
    assert ranked(result) == ["223"]
    assert "border_crossing" in result["results"][0]["missing_elements"]
    verdict = result["dual_criminality"]
    assert verdict["verdict"] == "uncertain"
    assert any("Only a related offence" in r for r in verdict["reasons"])


def test_nothing_comparable_is_a_catalogue_gap():
    # Before the 2014 KZ code took effect the catalogue has no KZ offence in force at all
    # (the 1997 code is not in it). v2: the catalogue's silence is never a legal
    # conclusion, so this is "uncertain" (a catalogue gap), not "not_satisfied".
    result = cmp("MD:168", "KZ", date="2010-01-01")
    assert result["dual_criminality"]["verdict"] == "uncertain"
    assert not any(r["in_force_at_date"] for r in result["results"])
    assert any(
        "Catalogue gap" in r and "KZ on 2010-01-01" in r
        for r in result["dual_criminality"]["reasons"]
    )


@pytest.mark.parametrize(
    ("src", "to", "article", "facts"),
    [
        ("KZ:128", "MD", "165", ()),
        ("KZ:135", "MD", "206", ()),
        ("KZ:309", "MD", "220", ()),
        ("KZ:312", "MD", "208/1", ()),
        ("KZ:394", "MD", "362/1", ()),
        ("KG:166", "KZ", "128", ()),
        ("UZ:131", "KZ", "309", ()),
        ("TJ:241-2", "UZ", "130", ()),
        # TJ 130-1 requires a means (catalogue v2); without one KG 167 (children, no
        # means) scores higher among incomplete matches.
        ("TJ:130-1", "KG", "166", ("deception",)),
    ],
)
def test_reverse_directions(src, to, article, facts):
    assert first(cmp(src, to, facts)) == article


def test_trafficking_into_md_needs_means_for_an_adult():
    # MD 165 requires one of its means for an adult victim; KZ 128 does not.
    bare = cmp("KZ:128", "MD")
    assert bare["dual_criminality"]["verdict"] == "uncertain"
    # KZ 128 p.1 also reaches the exploitation itself (catalogue v2): unless the facts
    # name the trafficking, that alternative is judged too, and MD 165 needs trafficking.
    exploitation_open = cmp("KZ:128", "MD", ("deception", "adult_victim"))
    assert exploitation_open["dual_criminality"]["verdict"] == "uncertain"
    with_means = cmp("KZ:128", "MD", ("trafficking", "deception", "adult_victim"))
    assert with_means["dual_criminality"]["verdict"] == "satisfied"
    assert ranked(with_means)[0] == "165:1"


def test_a_child_victim_excludes_md_165():
    result = cmp("KZ:135", "MD")
    md165 = [r for r in result["results"] if r["article"] == "165" and r["part"] != "3"]
    assert all(r["score"] < result["results"][0]["score"] for r in md165)


def test_repealed_code_is_in_force_only_in_its_interval():
    now = cmp("MD:165", "KG")
    old = by_article(now, "171")
    assert old["status"] == "repealed" and not old["in_force_at_date"]
    then = cmp("MD:165", "KG", date="2020-06-01")
    assert by_article(then, "171")["in_force_at_date"]
    assert not by_article(then, "166")["in_force_at_date"]


def test_result_shape_is_the_issue_json():
    result = cmp("MD:220/1", "KZ", ("minor_victim", "online"))
    assert set(result) == {"source", "target_country", "results", "dual_criminality"}
    assert set(result["results"][0]) == {
        "country",
        "code",
        "article",
        "part",
        "item",
        "title_ru",
        "title_en",
        "score",
        "status",
        "verification",
        "in_force_at_date",
        "matched_elements",
        "missing_elements",
        "uncovered_elements",
        "iccs_overlap",
        # v2: the code's kind and the penalty the extradition check reads.
        "code_kind",
        "max_imprisonment_years",
    }
    # v2 order: in force, lawful kind, complete before incomplete, then score.
    keys = [
        (not r["in_force_at_date"], r["code_kind"] != "criminal", bool(r["missing_elements"]),
         -r["score"])
        for r in result["results"]
    ]  # fmt: skip
    assert keys == sorted(keys)
    assert result["source"]["article"] == "220/1" and result["source"]["part"] == "1"
    assert set(result["dual_criminality"]) == {
        "verdict", "reasons", "reason_codes", "purpose", "conduct_date", "decision_date",
    }  # fmt: skip
    dc = result["dual_criminality"]
    assert dc["purpose"] == "mla" and dc["conduct_date"] == DATE
    assert [c["text"] for c in dc["reason_codes"]] == dc["reasons"]


def test_source_part_and_article_spellings():
    assert cmp("MD:220-1:5", "KZ")["source"]["part"] == "5"
    p5 = cmp("MD:220/1:5", "KZ")
    assert "organised_group" in p5["source"]["elements"]["required"]
    assert ranked(p5)[0] == "309:3"  # the criminal-group part
    with pytest.raises(LookupError):
        cmp("MD:220/1:9", "KZ")
    with pytest.raises(LookupError):
        cmp("MD:999", "KZ")


def test_bad_parameters():
    with pytest.raises(services.LegalMapError) as exc:
        services.compare("MD", "220/1", "", "KZ", ["no_such_fact"], DATE)
    assert exc.value.field == "facts"
    with pytest.raises(services.LegalMapError):
        services.compare("XX", "220/1", "", "KZ", [], DATE)
    with pytest.raises(services.LegalMapError):
        services.compare("MD", "220/1", "", "MD", [], DATE)
    with pytest.raises(services.LegalMapError):
        services.compare("MD", "220/1", "", "KZ", [], "2025-13-01")


def test_validate_facts_and_vocabulary():
    tags = {v["tag"] for v in services.facts_vocabulary()}
    required_tags = """minor_victim adult_victim online webcam sexual_services advertising
    recruitment deception coercion organised_group group_prior_conspiracy cross_border
    profit_large child_abuse_material forced_labour migration"""
    for required in required_tags.split():
        assert required in tags
    assert all(v["label_ru"] and v["label_en"] for v in services.facts_vocabulary())
    assert services.validate_facts(["minor_victim", "online"]) == []
    errors = services.validate_facts(["minor_victim", "bogus", 3, "minor_victim"])
    assert len(errors) == 3
    assert services.validate_facts("online") != []


def test_kz_webcam_services_map_back_to_md_220_1():
    # KZ 308 p.1 needs violence/threat/blackmail/deception (catalogue v2): the facts name
    # one. The record is partly_verified, so the verdict cannot be "satisfied".
    result = cmp("KZ:308", "MD", ("webcam", "profit", "adult_victim", "coercion"))
    assert ranked(result)[0] == "220/1:1"
    assert not result["results"][0]["missing_elements"]
    verdict = result["dual_criminality"]
    assert verdict["verdict"] == "uncertain"
    expected = "KZ 308 p.1 (partly verified) is only partly verified or unverified"
    assert any(expected in r for r in verdict["reasons"])
    # Without a means named, KZ 308 p.1 is not made out by the facts.
    bare = cmp("KZ:308", "MD", ("webcam", "profit", "adult_victim"))
    assert any("do not make out KZ 308 p.1" in r for r in bare["dual_criminality"]["reasons"])
    # Without the webcam the live display (an element of MD 220/1) is not established.
    plain = cmp("KZ:308", "MD", ("online", "profit", "adult_victim", "coercion"))
    assert "sexual_display" in by_article(plain, "220/1")["missing_elements"]
