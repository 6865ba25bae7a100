"""STIX 2.1 export and import of indicators (cases.stix).

A bundle exported at one node (KZ) and imported into a case at another (MD: this process
switched to MD's settings, a case of its own) yields the same normalised indicators; a
bundle written by hand (as a CERT's tool would) is normalised as typed input; a malformed
bundle, or one with a bad value, is refused with a clear error and stores nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import stix2
from django.test import Client

from cases.models import Indicator
from tests import factories


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ")


def indicator(pattern: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        stix2.Indicator(pattern=pattern, pattern_type="stix").serialize()
    )
    return data


def api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=factories.bearer(user)["HTTP_AUTHORIZATION"])


def test_exported_at_one_node_imported_at_another_gives_the_same_indicators(
    kz: None, settings: Any
) -> None:
    kz_user = factories.coordinator("kz.coord")
    kz_case = factories.case(
        kz_user,
        indicators=[
            {"kind": "phone", "value": "+373 69 123 456"},
            {"kind": "domain", "value": "Models-Work.example.md"},
            {"kind": "url", "value": "HTTPS://Models-Work.example.md/apply?x=1"},
            {"kind": "telegram", "value": "@ModelsWork"},
            {"kind": "email", "value": "Jobs@Models-Work.example.md"},
        ],
    )
    exported = api(kz_user).get(f"/api/v1/cases/{kz_case.pk}/stix/")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/stix+json")
    bundle = json.loads(exported.content)
    assert bundle["type"] == "bundle" and len(bundle["objects"]) == 5
    assert all(o["spec_version"] == "2.1" for o in bundle["objects"])

    settings.NODE_COUNTRY = "MD"
    md_user = factories.coordinator("md.coord")
    md_case = factories.case(md_user, indicators=[{"kind": "domain", "value": "other.md"}])
    md = api(md_user)
    imported = md.post(f"/api/v1/cases/{md_case.pk}/stix/", bundle, "application/json")
    assert imported.status_code == 201, imported.content

    def normalised(case: Any) -> set[tuple[str, str]]:
        return set(Indicator.objects.filter(case=case).values_list("kind", "value"))

    assert normalised(md_case) == normalised(kz_case) | {("domain", "other.md")}
    # Importing it again adds nothing.
    again = md.post(f"/api/v1/cases/{md_case.pk}/stix/", bundle, "application/json")
    assert again.status_code == 201 and again.json()["added"] == []


def test_a_hand_written_bundle_is_normalised_and_a_bad_one_stores_nothing(kz: None) -> None:
    user = factories.coordinator("kz.coord")
    case = factories.case(user, indicators=[{"kind": "domain", "value": "other.md"}])
    client = api(user)
    url = f"/api/v1/cases/{case.pk}/stix/"
    before = Indicator.objects.filter(case=case).count()

    def bundle(*objects: dict[str, Any]) -> dict[str, Any]:
        return {"type": "bundle", "id": f"bundle--{'0' * 8}-0000-4000-8000-{'0' * 12}",
                "objects": list(objects)}  # fmt: skip

    refused = client.post(url, {"type": "indicator", "objects": []}, "application/json")
    assert refused.status_code == 400 and "STIX" in refused.json()["bundle"][0]
    broken = indicator("[domain-name:value = 'x.md']")
    broken["pattern"] = "[domain-name:value = "
    refused = client.post(url, bundle(broken), "application/json")
    assert refused.status_code == 400 and "pattern" in refused.json()["bundle"][0]
    bad = indicator("[domain-name:value = 'not a domain']")
    good = indicator("[domain-name:value = 'Webcam-Jobs.MD.']")
    refused = client.post(url, bundle(good, bad), "application/json")
    assert refused.status_code == 400 and bad["id"] in refused.json()["bundle"][0]
    assert Indicator.objects.filter(case=case).count() == before

    handle = indicator(
        "[user-account:account_type = 'telegram' AND user-account:account_login = '@WebcamJobs']"
    )
    ip = indicator("[ipv4-addr:value = '192.0.2.1']")
    done = client.post(url, bundle(good, handle, ip), "application/json")
    assert done.status_code == 201, done.content
    assert done.json() == {
        "added": [
            {"kind": "domain", "value": "webcam-jobs.md"},
            {"kind": "telegram", "value": "webcamjobs"},
        ],
        "skipped": 1,
    }


def test_a_takedown_exports_its_targets_and_indicators(kz: None) -> None:
    user = factories.coordinator("kz.coord")
    takedown = factories.takedown(user, "KZ-TD-2026-0001")
    Indicator.objects.create(
        takedown=takedown, kind="phone", raw="+77001234567", value="+77001234567"
    )
    response = api(user).get(f"/api/v1/takedowns/{takedown.pk}/stix/")
    patterns = sorted(o["pattern"] for o in json.loads(response.content)["objects"])
    assert patterns == [
        "[domain-name:value = 'models-work.example.md']",
        "[x-net247-phone:value = '+77001234567']",
    ]
