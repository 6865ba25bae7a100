"""The blocking feed (cases.blocking): decisions in, signed pulls out, confirmations back.

KZ received MD's takedown request; KZ's coordinator decides; a registry pulls the feed
over HTTP with its own token and reports what it did.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.services import token_create
from audit.models import AuditEntry
from cases import takedowns
from cases.blocking import services, signing
from cases.blocking.models import FeedEntry
from cases.models import InboundItem, InboundTakedownTarget
from exchange import schemas
from exchange.models import OutboundMessage
from tests import factories
from tests.accounts.helpers import create_user
from tests.fednet import FakePeer

MD = FakePeer("MD")
LEGAL = {"country": "MD", "code": "CC", "article": "220/1", "part": "2"}


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ", MD)


def received(ref: str = "MD-TD-2026-0001", *targets: dict[str, str]) -> InboundItem:
    envelope = factories.takedown_request(
        MD,
        request_ref=ref,
        targets=list(targets) or [{"domain": "webcam-jobs.md"}],
        legal_basis=LEGAL,
    )
    response = factories.signed_post(MD, envelope)
    assert response.status_code in (200, 202), response.content
    return InboundItem.objects.get(kind="takedown", ref=ref)


def registry_client(name: str = "kibernadzor") -> tuple[Client, str]:
    _registry, token = services.registry_add(name=name)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}"), token


def node_public_key() -> dict[str, str]:
    out = io.StringIO()
    call_command("node", "show", "--json", stdout=out)
    return {k["id"]: k["public_key"] for k in json.loads(out.getvalue())["keys"]}


def verified(response: Any) -> bytes:
    """The body, after checking its detached signature with `node show --json`'s key."""
    header = response["Signature"]
    keyid = signing.parse_header(header)["keyid"]
    assert signing.verify(response.content, header, node_public_key()[keyid])
    return bytes(response.content)


def test_a_decision_is_in_the_next_signed_pull_and_the_pull_is_audited(kz: None) -> None:
    coord = create_user("kz.coord", "coordinator", "hq")
    item = received()
    client, _token = registry_client()
    empty = json.loads(verified(client.get("/api/v1/blocking/feed.json")))
    assert empty["entries"] == [] and empty["cursor"] == 0

    takedowns.takedown_status_report(
        actor=coord, item=item, target="webcam-jobs.md", status="under_review"
    )
    takedowns.takedown_status_report(
        actor=coord, item=item, target="webcam-jobs.md", status="order_issued"
    )
    response = client.get("/api/v1/blocking/feed.json?after=0")
    assert response.status_code == 200
    document = json.loads(verified(response))
    (entry,) = document["entries"]
    assert entry["action"] == "add" and entry["domain"] == "webcam-jobs.md"
    assert entry["request_ref"] == "MD-TD-2026-0001" and entry["origin"] == "MD"
    assert entry["legal_basis"] == LEGAL and entry["decided_by"] == "kz.coord"
    assert entry["decided_at"].endswith("Z") and document["cursor"] == entry["cursor"]

    # The decision's audit entry names the cursor it wrote, in the same transaction.
    decision = AuditEntry.objects.filter(action="takedown.status.send").order_by("-seq")[0]
    assert decision.details["feed_cursor"] == entry["cursor"]
    pull = AuditEntry.objects.filter(action="blocking.feed.pull").order_by("-seq")[0]
    assert pull.actor == "registry:kibernadzor" and pull.actor_kind == "registry"
    assert pull.details == {
        "registry": "kibernadzor",
        "format": "json",
        "after": 0,
        "cursor": entry["cursor"],
        "count": 1,
    }

    # A tampered body does not verify.
    header = response["Signature"]
    keyid = signing.parse_header(header)["keyid"]
    assert not signing.verify(response.content + b" ", header, node_public_key()[keyid])

    # Incremental: nothing after the last cursor; blocked (still in the set) adds nothing.
    takedowns.takedown_status_report(
        actor=coord, item=item, target="webcam-jobs.md", status="blocked"
    )
    again = json.loads(client.get(f"/api/v1/blocking/feed.json?after={entry['cursor']}").content)
    assert again["entries"] == [] and again["cursor"] == entry["cursor"]


def test_a_withdrawal_is_a_removal_entry_and_leaves_the_rpz(kz: None) -> None:
    coord = create_user("kz.coord", "coordinator", "hq")
    item = received("MD-TD-2026-0001", {"domain": "webcam-jobs.md"}, {"url": "https://Cams.md/x"})
    client, _token = registry_client()
    for target in ("webcam-jobs.md", "https://Cams.md/x"):
        takedowns.takedown_status_report(
            actor=coord, item=item, target=target, status="order_issued"
        )
    rpz = verified(client.get("/api/v1/blocking/feed.rpz")).decode("ascii")
    assert "$TTL" in rpz and " SOA " in rpz and " NS " in rpz
    assert "\nwebcam-jobs.md CNAME .\n*.webcam-jobs.md CNAME .\n" in rpz
    assert "\ncams.md CNAME .\n" in rpz and " 2 3600 " in rpz  # serial = last cursor

    takedowns.takedown_status_report(
        actor=coord,
        item=item,
        target="webcam-jobs.md",
        status="under_review",
        note="The court order was annulled on appeal.",
    )
    rows = list(
        csv.DictReader(
            io.StringIO(verified(client.get("/api/v1/blocking/feed.csv?after=2")).decode())
        )
    )
    assert [(r["cursor"], r["action"], r["domain"]) for r in rows] == [
        ("3", "remove", "webcam-jobs.md")
    ]
    assert rows[0]["legal_basis"] == "MD CC 220/1 part 2" and "annulled" in rows[0]["note"]
    rpz = client.get("/api/v1/blocking/feed.rpz").content.decode("ascii")
    assert "webcam-jobs.md" not in rpz and "cams.md CNAME ." in rpz and " 3 3600 " in rpz


def test_only_a_registry_token_opens_the_feed_and_it_opens_nothing_else(kz: None) -> None:
    coord = create_user("kz.coord", "coordinator", "hq")
    client, token = registry_client()
    assert Client().get("/api/v1/blocking/feed.json").status_code == 401
    _row, user_token = token_create(user=coord, name="script", scope="write")
    person = Client(HTTP_AUTHORIZATION=f"Bearer {user_token}")
    assert person.get("/api/v1/blocking/feed.json").status_code == 401
    assert client.get("/api/v1/cases/").status_code == 401
    assert client.get("/api/v1/blocking/feed.json?after=x").status_code == 400
    out = io.StringIO()
    call_command("registry", "revoke", "kibernadzor", stdout=out)
    assert client.get("/api/v1/blocking/feed.json").status_code == 401
    out = io.StringIO()
    call_command("registry", "add", "operator-script", stdout=out)
    printed = out.getvalue()
    assert "token: n247reg_" in printed and token not in printed


def test_the_registry_confirms_and_the_requesting_country_is_told_with_its_time(
    kz: None,
) -> None:
    coord = create_user("kz.coord", "coordinator", "hq")
    item = received("MD-TD-2026-0001", {"domain": "webcam-jobs.md"}, {"domain": "cams.md"})
    client, _token = registry_client()
    for target in ("webcam-jobs.md", "cams.md"):
        takedowns.takedown_status_report(
            actor=coord, item=item, target=target, status="order_issued"
        )
    first, second = FeedEntry.objects.order_by("cursor")
    url = f"/api/v1/blocking/entries/{first.cursor}/confirm/"
    early = {"result": "blocked", "at": "2020-03-01T03:07:00Z"}
    too_early = client.post(url, early, content_type="application/json")
    assert too_early.status_code == 400 and "at" in too_early.json()
    at = schemas.format_time(first.decided_at + dt.timedelta(minutes=1))
    body = {"result": "blocked", "at": at}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 202, response.content
    assert InboundTakedownTarget.objects.get(target="webcam-jobs.md").status == "blocked"
    sent = OutboundMessage.objects.filter(type="takedown.status").order_by("-id")[0].envelope
    assert sent["to"] == ["MD"] and sent["body"]["status"] == "blocked"
    assert sent["body"]["at"] == at
    audit = AuditEntry.objects.filter(action="takedown.status.send").order_by("-seq")[0]
    assert audit.actor == "registry:kibernadzor" and audit.details["status"] == "blocked"

    # A retried confirmation changes nothing.
    count = OutboundMessage.objects.filter(type="takedown.status").count()
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 202 and again.json() == {"envelope_id": None}
    assert OutboundMessage.objects.filter(type="takedown.status").count() == count

    # "Cannot block" needs a reason; with one the target is refused and leaves the set.
    url2 = f"/api/v1/blocking/entries/{second.cursor}/confirm/"
    bad = client.post(url2, {"result": "cannot_block", "at": at}, "application/json")
    assert bad.status_code == 400 and "reason" in bad.json()
    ok = client.post(
        url2,
        {"result": "cannot_block", "at": at, "reason": "hosted on a CDN"},
        "application/json",
    )
    assert ok.status_code == 202
    row = InboundTakedownTarget.objects.get(target="cams.md")
    assert row.status == "refused" and row.note == "hosted on a CDN"
    last = FeedEntry.objects.order_by("-cursor")[0]
    assert (last.action, last.domain, last.decided_by) == (
        "remove",
        "cams.md",
        "registry:kibernadzor",
    )
    assert (
        client.post("/api/v1/blocking/entries/999/confirm/", body, "application/json").status_code
        == 400
    )


def test_a_mirror_of_a_request_decided_here_enters_the_feed_on_arrival(kz: None) -> None:
    coord = create_user("kz.coord", "coordinator", "hq")
    original = received()
    takedowns.takedown_status_report(
        actor=coord, item=original, target="webcam-jobs.md", status="order_issued"
    )
    envelope = factories.takedown_request(
        MD,
        request_ref="MD-TD-2026-0002",
        targets=[{"domain": "webcam-jobs2.md"}],
        legal_basis=LEGAL,
        mirror_of="MD-TD-2026-0001",
    )
    assert factories.signed_post(MD, envelope).status_code in (200, 202)
    last = FeedEntry.objects.order_by("-cursor")[0]
    assert (last.action, last.domain, last.request_ref, last.decided_by) == (
        "add",
        "webcam-jobs2.md",
        "MD-TD-2026-0002",
        "",
    )
    assert "MD-TD-2026-0001" in last.note and '"decided_by":""' in last.json_line


def test_a_confirmation_of_a_withdrawn_entry_is_refused(kz: None) -> None:
    coord = create_user("kz.coord", "coordinator", "hq")
    item = received()
    client, _token = registry_client()
    report = takedowns.takedown_status_report
    report(actor=coord, item=item, target="webcam-jobs.md", status="order_issued")
    added = FeedEntry.objects.get()
    report(
        actor=coord,
        item=item,
        target="webcam-jobs.md",
        status="under_review",
        note="The court order was annulled on appeal.",
    )
    at = schemas.format_time(added.decided_at + dt.timedelta(seconds=30))
    response = client.post(
        f"/api/v1/blocking/entries/{added.cursor}/confirm/",
        {"result": "blocked", "at": at},
        "application/json",
    )
    assert response.status_code == 400 and "2" in response.json()["cursor"][0]
    assert InboundTakedownTarget.objects.get().status == "under_review"
