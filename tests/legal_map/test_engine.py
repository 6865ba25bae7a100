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
    result = cmp("MD:220/1", "KZ", ("adult_victim", "online"))
    assert set(ranked(result)[:2]) == {"309:1", "308"}
    assert result["dual_criminality"]["verdict"] == "satisfied"
    kz309 = by_article(result, "309")
    assert kz309["status"] == "in_force" and kz309["verification"] == "verified"
    assert "other sexual services" in kz309["title_en"]  # the 2024 wording applies
    draft = by_article(result, "309-1")
    assert draft["status"] == "draft" and not draft["in_force_at_date"]
    assert draft["verification"] == "unverified_memory"
    assert result["results"].index(draft) > result["results"].index(kz309)
    assert "advertising" in draft["missing_elements"]
    assert any("309-1 is a draft" in r for r in result["dual_criminality"]["reasons"])


def test_mission_example_minor_victim_puts_312_first():
    result = cmp("MD:220/1", "KZ", ("minor_victim", "online"))
    assert first(result) == "312"
    top = result["results"][0]
    assert {"child_abuse_material", "minor_victim"} <= set(top["matched_elements"])
    assert top["verification"] == "unverified_memory"  # the label travels with the record
    assert "134" in ranked(result)
    # No trafficking facts: 135 lacks trafficking and ranks below the sexual offences.
    kz135 = by_article(result, "135")
    assert "trafficking" in kz135["missing_elements"]


def test_minor_victim_with_trafficking_facts_brings_135_up():
    result = cmp("MD:220/1", "KZ", ("minor_victim", "online", "recruitment"))
    order = [a.split(":")[0] for a in ranked(result)]
    assert order[0] == "312"
    assert order.index("135") <= 2
    assert not by_article(result, "135")["missing_elements"]


def test_before_the_2024_amendment_online_services_are_not_covered():
    # On 2023-06-01 KZ 308/309 still spoke of prostitution only.
    result = cmp("MD:220/1", "KZ", ("adult_victim",), date="2023-06-01")
    kz308 = by_article(result, "308")
    assert "prostitution" in kz308["missing_elements"]
    assert "other sexual services" not in kz308["title_en"]
    assert result["dual_criminality"]["verdict"] != "satisfied"


@pytest.mark.parametrize(
    ("target", "article"),
    [("KZ", "128"), ("KG", "166"), ("UZ", "135"), ("TJ", "130-1")],
)
def test_trafficking(target, article):
    assert first(cmp("MD:165", target)) == article


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
        ("KZ", "312", "uncertain"),  # KZ 312 is an unverified record
        ("UZ", "130:(minor)", "satisfied"),
        ("TJ", "241-2", "satisfied"),
        ("KG", "162", "uncertain"),  # number unconfirmed
    ],
)
def test_child_pornography(target, expected, verdict):
    result = cmp("MD:208/1", target)
    assert ranked(result)[0] == expected
    assert result["dual_criminality"]["verdict"] == verdict


@pytest.mark.parametrize(("target", "article"), [("KZ", "309"), ("UZ", "131"), ("TJ", "239")])
def test_pimping(target, article):
    assert first(cmp("MD:220", target)) == article


def test_pimping_rests_on_partly_verified_records_in_uz_and_tj():
    for target in ("UZ", "TJ"):
        verdict = cmp("MD:220", target)["dual_criminality"]
        assert verdict["verdict"] == "uncertain"
        assert any("not verified" in r for r in verdict["reasons"])


def test_forced_labour():
    assert first(cmp("MD:168", "TJ")) == "130-2"
    assert first(cmp("MD:168", "KG")) == "170"
    uz = cmp("MD:168", "UZ")
    assert first(uz) == "148-2"
    assert "administrative_prejudice" in uz["results"][0]["missing_elements"]
    kz = cmp("MD:168", "KZ")  # no stand-alone forced-labour article in KZ
    assert kz["dual_criminality"]["verdict"] == "uncertain"
    assert "trafficking" in kz["results"][0]["missing_elements"]


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


def test_nothing_comparable_is_not_satisfied():
    # Before the 2014 KZ code took effect the catalogue has no KZ offence in force at all
    # (the 1997 code is not in it): nothing comparable, and the reason says "in the catalogue".
    result = cmp("MD:168", "KZ", date="2010-01-01")
    assert result["dual_criminality"]["verdict"] == "not_satisfied"
    assert any("in the catalogue" in r for r in result["dual_criminality"]["reasons"])


@pytest.mark.parametrize(
    ("src", "to", "article"),
    [
        ("KZ:128", "MD", "165"),
        ("KZ:135", "MD", "206"),
        ("KZ:309", "MD", "220"),
        ("KZ:312", "MD", "208/1"),
        ("KZ:394", "MD", "362/1"),
        ("KG:166", "KZ", "128"),
        ("UZ:131", "KZ", "309"),
        ("TJ:241-2", "UZ", "130"),
        ("TJ:130-1", "KG", "166"),
    ],
)
def test_reverse_directions(src, to, article):
    assert first(cmp(src, to)) == article


def test_trafficking_into_md_needs_means_for_an_adult():
    # MD 165 requires one of its means for an adult victim; KZ 128 does not.
    bare = cmp("KZ:128", "MD")
    assert bare["dual_criminality"]["verdict"] == "uncertain"
    with_means = cmp("KZ:128", "MD", ("deception", "adult_victim"))
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
    }
    scores = [r["score"] for r in result["results"] if r["in_force_at_date"]]
    assert scores == sorted(scores, reverse=True)
    assert result["source"]["article"] == "220/1" and result["source"]["part"] == "1"
    assert set(result["dual_criminality"]) == {"verdict", "reasons"}


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
    result = cmp("KZ:308", "MD", ("webcam", "profit", "adult_victim"))
    assert ranked(result)[0] == "220/1:1"
    assert result["dual_criminality"]["verdict"] == "satisfied"
    # Without the webcam the live display (an element of MD 220/1) is not established.
    plain = cmp("KZ:308", "MD", ("online", "profit", "adult_victim"))
    assert "sexual_display" in by_article(plain, "220/1")["missing_elements"]
