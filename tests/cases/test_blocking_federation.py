"""Two real nodes (issue 23): the blocking registry closes the loop.

KG requests a takedown from KZ; KZ's coordinator accepts it (order issued); KZ's feed,
pulled over HTTP with a registry token, lists it, signed with the key `node show --json`
prints; the registry reports "blocked" at its own time; KG's board shows "blocked" at
that time, and nobody at KZ touched the status after accepting.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from cases.blocking import signing
from deploy.federation import Federation
from exchange import schemas
from tests import factories
from tests.cases.test_federation import Api, browser_login
from tests.fednet import federation  # noqa: F401 (the fixture)
from tests.polling import wait_for

pytestmark = pytest.mark.federation


def test_kz_accepts_kg_request_the_registry_blocks_and_kg_sees_its_time(
    federation: Callable[..., Federation],  # noqa: F811
) -> None:
    fed = federation("KG", "KZ", env={"SECURE_COOKIES": "false"})
    kg_node, kz_node = fed.node("KG"), fed.node("KZ")
    kg_people = factories.people_on(kg_node, [("kg.coord", "coordinator", "hq")])
    kz_people = factories.people_on(kz_node, [("kz.coord", "coordinator", "hq")])
    kg = Api(kg_node.url, kg_people["kg.coord"].token)
    kz = Api(kz_node.url, kz_people["kz.coord"].token)

    filed = kg.post(
        "/takedowns/",
        {
            "targets": [{"domain": "webcam-jobs.kg"}],
            "legal_basis": {"country": "KG", "code": "CC", "article": "159"},
            "requested_action": "block",
            "urgency": "urgent",
            "to": ["KZ"],
        },
    )
    assert filed.status_code == 201, filed.text
    takedown = filed.json()
    item = wait_for(lambda: kz.get("/inbound/", kind="takedown").json()["results"])[0]
    accepted = kz.post(
        f"/inbound/{item['id']}/takedown-status/",
        {"target": "webcam-jobs.kg", "status": "order_issued"},
    )
    assert accepted.status_code == 202, accepted.text

    # The registry pulls KZ's feed and checks where it came from.
    printed = kz_node.manage("registry", "add", "kibernadzor")
    token = next(line.split(": ", 1)[1] for line in printed.splitlines() if "token:" in line)
    keys = {
        k["id"]: k["public_key"]
        for k in json.loads(kz_node.manage("node", "show", "--json"))["keys"]
    }
    registry = httpx.Client(
        base_url=kz_node.url + "/api/v1/blocking",
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )
    pulled = registry.get("/feed.json", params={"after": 0})
    assert pulled.status_code == 200, pulled.text
    header = pulled.headers["Signature"]
    assert signing.verify(pulled.content, header, keys[signing.parse_header(header)["keyid"]])
    (entry,) = pulled.json()["entries"]
    assert (entry["action"], entry["domain"], entry["origin"]) == ("add", "webcam-jobs.kg", "KG")
    assert entry["request_ref"] == takedown["request_ref"] and entry["decided_by"] == "kz.coord"

    blocked_at = dt.datetime.now(dt.UTC).replace(microsecond=0)  # after the decision
    confirmed = registry.post(
        f"/entries/{entry['cursor']}/confirm/",
        json={"result": "blocked", "at": schemas.format_time(blocked_at)},
    )
    assert confirmed.status_code == 202, confirmed.text

    def kz_blocked() -> dict[str, Any] | None:
        rows = kg.get(f"/takedowns/{takedown['id']}/").json()["board"]
        return rows[0] if rows[0]["status"] == "blocked" else None

    row = wait_for(kz_blocked)
    last = row["steps"][-1]
    assert last["status"] == "blocked"
    assert dt.datetime.fromisoformat(last["at"].replace("Z", "+00:00")) == blocked_at
    page = browser_login(kg_node.url, "kg.coord", kg_people["kg.coord"].totp_secret).get(
        f"/cases/takedowns/{takedown['id']}/"
    )
    assert page.status_code == 200 and "st-blocked" in page.text
    # The steps list shows the registry's time on KG's clock (Bishkek, UTC+6).
    kg_clock = blocked_at.astimezone(ZoneInfo("Asia/Bishkek")).strftime("%Y-%m-%d %H:%M:%S")
    assert kg_clock in page.text

    # At KZ the blocked step was the registry's, not a person's.
    actors = kz_node.sql(
        "SELECT actor, details FROM audit_auditentry WHERE action = 'takedown.status.send' "
        "ORDER BY seq"
    )
    steps = [(a, (d if isinstance(d, dict) else json.loads(d))["status"]) for a, d in actors]
    assert steps == [("kz.coord", "order_issued"), ("registry:kibernadzor", "blocked")]
