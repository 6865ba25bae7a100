"""The data file, its loader, curated equivalences and the per-process cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audit.models import AuditEntry
from legal_map import loader, selectors, services
from legal_map.models import CatalogueState, CuratedEquivalence, Offence
from tests import factories

pytestmark = pytest.mark.django_db
DATA = json.loads(loader.DEFAULT_FILE.read_text(encoding="utf-8"))


def records(country: str, article: str) -> list[dict[str, Any]]:
    return [r for r in DATA["offences"] if r["country"] == country and r["article"] == article]


def test_catalogue_is_present_after_migrate():
    assert Offence.objects.count() == len(DATA["offences"])
    assert CatalogueState.objects.get(pk=1).version == DATA["version"]


def test_md_220_1_has_five_parts_with_penalties_from_the_source_text():
    parts = records("MD", "220/1")
    assert [p["part"] for p in parts] == ["1", "2", "3", "4", "5"]
    p1, p2, p3, p4, p5 = parts
    assert {"fine", "community_work", "imprisonment"} <= {x["kind"] for x in p1["penalties"]}
    assert max(x["max"] or 0 for x in p1["penalties"] if x["kind"] == "imprisonment") == 2
    assert [x["max"] for x in p2["penalties"] if x["kind"] == "imprisonment"] == [3]
    assert "profit_large" in p3["elements"]["required"]
    assert [(x["min"], x["max"]) for x in p4["penalties"] if x["kind"] == "imprisonment"] == [
        (2, 6)
    ]
    assert "organised_group" in p5["elements"]["required"]
    assert all(p["in_force"]["from"] == "2023-01-09" for p in parts)
    assert all(
        set(p["elements"]["excludes"]) == {"trafficking", "child_abuse_material"} for p in parts
    )


def test_labels_are_kept_and_drafts_are_drafts():
    (kz309_1,) = records("KZ", "309-1")
    # Both 309 proposals are verified from the seed in v2 (docs/legal-map-catalogue-v2.md).
    assert kz309_1["status"] == "draft" and kz309_1["verification"] == "verified_secondary"
    (proposal,) = [r for r in records("KZ", "309") if r.get("item") == "4"]
    assert proposal["part"] == "2" and proposal["status"] == "draft"  # re-keyed 309 p.2 item 4
    # KZ 312 was re-keyed to 312 p.1 and split; p.1 is partly_verified, p.2 unverified.
    kz312 = {r["part"]: r["verification"] for r in records("KZ", "312")}
    assert kz312["1"] == "partly_verified" and kz312["2"] == "unverified"
    for r in records("KZ", "308") + records("KZ", "309"):
        if r["status"] == "in_force":
            (amendment,) = r["amendments"]
            # Law 110-VIII is dated 2024-07-05; the day it took effect is certain only
            # from 2024-09-01 (catalogue v2 "from" / "from_certain").
            assert amendment["status"] == "in_force" and amendment["from"] == "2024-07-05"
            assert amendment["from_certain"] == "2024-09-01"
            assert amendment["to"] is None
            assert "sexual_services" in json.dumps(amendment["elements"])
    # v2 labels only: v1's "verified" and "unverified_memory" are gone.
    labels = {r["verification"] for r in DATA["offences"]}
    assert labels <= {"verified_official", "verified_secondary", "partly_verified", "unverified"}
    assert not labels & {"verified", "unverified_memory"}
    assert all(
        r.get("official_version")
        for r in DATA["offences"]
        if r["verification"] == "verified_official"
    )


def test_load_is_idempotent_and_audited():
    before = AuditEntry.objects.filter(action="legal_map.catalogue_loaded").count()
    changed, _version, count = services.catalogue_load()
    assert changed is False and count == Offence.objects.count()
    assert AuditEntry.objects.filter(action="legal_map.catalogue_loaded").count() == before
    changed, _, _ = services.catalogue_load(force=True)
    assert changed is True and Offence.objects.count() == count
    assert AuditEntry.objects.filter(action="legal_map.catalogue_loaded").count() == before + 1


def test_loader_refuses_unknown_elements(tmp_path: Path):
    bad = dict(DATA)
    bad["offences"] = [dict(DATA["offences"][1], elements={"required": ["teleportation"]})]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(loader.CatalogueError, match="teleportation"):
        services.catalogue_load(path=path)
    assert Offence.objects.count() == len(DATA["offences"])


def _top(facts: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = services.compare("MD", "220/1", "", "KZ", facts, "2025-03-01")[
        "results"
    ][0]
    return result


def test_curated_pin_moves_a_mapping_first_and_is_audited_and_revocable():
    coordinator = factories.user("lm-c1", "coordinator")
    assert _top(["adult_victim"])["article"] == "309"
    eq = services.equivalence_record(
        actor=coordinator,
        source_country="MD",
        source_article="220/1",
        source_part="",
        target_country="KZ",
        target_article="308",
        target_part="",
        kind="pin",
        note="Reviewed with the KZ desk: 308 is the charge used in practice.",
    )
    assert _top(["adult_victim"])["article"] == "308"  # cache invalidated at once
    entry = AuditEntry.objects.get(action="legal_map.equivalence_recorded")
    assert entry.actor == "lm-c1" and entry.details["kind"] == "pin"
    reasons = services.compare("MD", "220/1", "", "KZ", [], "2025-03-01")["dual_criminality"]
    assert any("Reviewed with the KZ desk" in r for r in reasons["reasons"])
    services.equivalence_revoke(actor=coordinator, equivalence_id=eq.pk)
    assert _top(["adult_victim"])["article"] == "309"
    assert AuditEntry.objects.filter(action="legal_map.equivalence_revoked").count() == 1


def test_curated_raise_adds_to_the_score():
    coordinator = factories.user("lm-c2", "coordinator")
    base = services.compare("MD", "220/1", "", "KZ", ["adult_victim"], "2025-03-01")
    before = next(r["score"] for r in base["results"] if r["article"] == "134")
    services.equivalence_record(
        actor=coordinator,
        source_country="MD",
        source_article="220/1",
        source_part="",
        target_country="KZ",
        target_article="134",
        target_part="",
        kind="raise",
        note="test raise",
    )
    after = services.compare("MD", "220/1", "", "KZ", ["adult_victim"], "2025-03-01")
    assert next(r["score"] for r in after["results"] if r["article"] == "134") > before


def test_curation_refuses_bad_input_and_other_roles():
    prosecutor = factories.user("lm-p1", "prosecutor")
    coordinator = factories.user("lm-c3", "coordinator")
    good = {
        "source_country": "MD",
        "source_article": "220/1",
        "source_part": "",
        "target_country": "KZ",
        "target_article": "308",
        "target_part": "",
        "kind": "pin",
        "note": "n",
    }
    with pytest.raises(services.LegalMapError):
        services.equivalence_record(actor=prosecutor, **good)
    for field, value in [
        ("note", " "),
        ("kind", "force"),
        ("target_article", "9999"),
        ("target_country", "MD"),
        ("target_part", "7"),
    ]:
        with pytest.raises(services.LegalMapError) as exc:
            services.equivalence_record(actor=coordinator, **{**good, field: value})
        assert exc.value.field in (field, "target_article", "target_country")
    assert CuratedEquivalence.objects.count() == 0


def test_cache_is_reused_until_the_token_changes():
    first = selectors.catalogue()
    assert selectors.catalogue() is first
    services.catalogue_load(force=True)
    assert selectors.catalogue() is not first


def test_a_remembered_comparison_is_the_computed_one_and_a_fresh_copy():
    args = ("MD", "220/1", "", "KZ", ["minor_victim", "online"], "2025-03-01")
    computed = services.as_dict(services.comparison(*args))
    first = services.compare(*args)
    assert first == computed
    first["results"].clear()  # a caller's change of its copy
    first["dual_criminality"]["verdict"] = "changed"
    again = services.compare(*args)
    assert again == computed and again is not first
    assert services.compare(*args[:4], ["adult_victim"], args[5]) != computed  # facts count
