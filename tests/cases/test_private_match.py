"""Private match (issue 22) through the real inbox in this process: the normalised items,
the answering side (cached setup, items stored since, budget, switched off), and the
querying side (an answer is read with the query's key; a tampered or unbound one is
refused). Two real nodes: test_private_match_federation."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from audit.models import AuditEntry
from cases import private_match, psi
from cases.indicators import IndicatorError
from cases.models import Case, MatchQuery, MatchServed, MatchSetup
from exchange import canonical
from exchange.models import InboundMessage, OutboundMessage
from node.crypto import b64url_decode, b64url_encode
from tests import factories, walk
from tests.accounts.helpers import verified_client
from tests.factories import user
from tests.fednet import FakePeer

MD = FakePeer("MD")


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ", MD)


@pytest.mark.parametrize(
    ("kind", "written", "item"),
    [
        ("phone", "8 (701) 555-01-01", "phone:+77015550101"),
        ("phone", "+7 701 555 0101", "phone:+77015550101"),
        ("domain", "Shop.Studio-Models.KZ.", "domain:studio-models.kz"),
        ("domain", "studio.example.co.uk", "domain:example.co.uk"),
        ("url", "https://mirror.studio-models.kz/join?x=1", "domain:studio-models.kz"),
        ("telegram", "https://t.me/Recruiter_Aliya", "telegram:recruiter_aliya"),
        ("telegram", "@Recruiter_Aliya", "telegram:recruiter_aliya"),
        ("instagram", "Studio.Models", "instagram:studio.models"),
    ],
)
def test_match_key_is_the_normalised_item(kind: str, written: str, item: str) -> None:
    assert psi.match_key(kind, written, region="KZ") == item


def test_match_key_refuses_what_is_not_an_indicator() -> None:
    for kind, written in [("phone", "call me"), ("domain", "localhost"), ("telegram", "@a b")]:
        with pytest.raises(IndicatorError):
            psi.match_key(kind, written, region="KZ")


def _query(items: list[str], count: int | None = None) -> tuple[bytes, dict[str, Any]]:
    key, request = psi.client_request(items)
    body = {
        "case_ref": "MD-2026-0042",
        "request": b64url_encode(request),
        "count": count or len(items),
    }
    return key, MD.envelope(["KZ"], type="match.query", body=body, handling="H1")


def _built() -> MatchSetup:
    built = private_match.refresh_setup()
    assert built is not None
    return built


def _kz_case(indicators: list[dict[str, str]]) -> Case:
    owner = User.objects.filter(username="kz.p1").first() or user("kz.p1")
    return factories.case(owner, indicators=indicators)


def test_the_answer_reveals_exactly_the_shared_items_including_one_stored_since(kz: None) -> None:
    first = _kz_case(
        [{"kind": "phone", "value": "87015550101"}, {"kind": "domain", "value": "a.kz"}]
    )
    built = _built()
    assert built.item_count == 2
    assert _built().pk == built.pk  # unchanged set: no rebuild
    _kz_case([{"kind": "telegram", "value": "@Late_Recruiter"}])  # after the build

    items = ["phone:+77015550101", "telegram:late_recruiter", "domain:b.kz", "domain:a.kz"]
    key, envelope = _query(items)
    response = factories.signed_post(MD, envelope)
    assert response.status_code == 202, response.content

    answer = OutboundMessage.objects.get(type="match.answer")
    assert answer.envelope["in_reply_to"] == envelope["id"]
    assert answer.envelope["to"] == ["MD"] and answer.envelope["handling"] == "H1"
    body = answer.envelope["body"]
    assert len(body["setups"]) == 2  # the cached filter and the one of the late indicator
    found = psi.client_intersection(
        key, items, [b64url_decode(s) for s in body["setups"]], b64url_decode(body["response"])
    )
    assert found == [0, 1, 3]
    served = MatchServed.objects.get()
    assert (served.origin, served.item_count, served.case_ref) == ("MD", 4, "MD-2026-0042")

    # A closed case's indicators leave the set at the next build (a new key).
    Case.objects.filter(pk=first.pk).update(status=Case.Status.CLOSED)
    rebuilt = _built()
    assert rebuilt.pk != built.pk and rebuilt.item_count == 1
    assert bytes(rebuilt.key) != bytes(built.key)
    assert list(MatchSetup.objects.values_list("pk", flat=True)) == [rebuilt.pk]


def test_over_budget_is_429_and_stores_nothing(kz: None, settings: Any) -> None:
    settings.PRIVATE_MATCH_DAILY_ITEMS = 5
    _key, first = _query(["phone:+77015550101", "domain:a.kz", "domain:b.kz"])
    assert factories.signed_post(MD, first).status_code == 202
    _key, second = _query(["domain:c.kz", "domain:d.kz", "domain:e.kz"])
    refused = factories.signed_post(MD, second)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 60
    assert not InboundMessage.objects.filter(envelope_id=second["id"]).exists()
    assert MatchServed.objects.count() == 1
    refusal = AuditEntry.objects.get(action="exchange.rejected")
    assert (refusal.actor, refusal.details["code"]) == ("MD", "rate_limited")
    assert "budget" in refusal.details["reason"]


def test_a_count_that_is_not_the_request_size_is_invalid(kz: None) -> None:
    _key, envelope = _query(["domain:a.kz", "domain:b.kz"], count=1)
    refused = factories.signed_post(MD, envelope)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_body"


def test_switched_off_the_node_answers_unsupported(kz: None, settings: Any) -> None:
    settings.PRIVATE_MATCH_ENABLED = False
    _key, envelope = _query(["domain:a.kz"])
    refused = factories.signed_post(MD, envelope)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "unsupported"


def _answer_from_md(
    query: MatchQuery, md_items: list[str], server_key: bytes | None = None, **change: Any
) -> dict[str, Any]:
    """What MD's node would answer to `query` (a real PSI answer), changed by `change`;
    the base filter left out when the query says it holds it."""
    server_key = server_key or psi.new_server_key()
    sent = OutboundMessage.objects.get(envelope_id=query.envelope_id).envelope
    request = b64url_decode(sent["body"]["request"])
    setup = psi.server_setup(server_key, md_items, 500)
    base = psi.setup_digest(setup)
    body = {
        "response": b64url_encode(psi.server_answer(server_key, request)),
        "setups": [] if sent["body"].get("have_setup") == base else [b64url_encode(setup)],
        "setup_version": 1,
        "base": base,
        **change,
    }
    return MD.envelope(
        ["KZ"], type="match.answer", body=body, in_reply_to=sent["id"], thread=sent["thread"]
    )


def test_the_querying_side_reads_its_answer_and_refuses_a_tampered_or_unbound_one(
    kz: None,
) -> None:
    owner = user("kz.coord", role="coordinator")
    case = factories.case(
        owner,
        indicators=[
            {"kind": "phone", "value": "87015550101"},
            {"kind": "domain", "value": "www.a.kz"},
            {"kind": "telegram", "value": "kz_only"},
        ],
    )
    [query] = private_match.match_ask(actor=owner, case=case, peers=["MD"])
    assert len(query.items) == 3 and query.client_key

    # Not one of our queries: refused before anything is stored.
    stray = MD.envelope(
        ["KZ"],
        type="match.answer",
        body={"response": "AA", "setups": ["AA"], "setup_version": 1},
        in_reply_to="0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e8f",
    )
    assert factories.signed_post(MD, stray).status_code == 422
    # A response that answers another request (other size): refused, the query waits.
    _other_key, other_request = psi.client_request(["x:1"])
    tampered = _answer_from_md(
        query,
        ["domain:a.kz"],
        response=b64url_encode(psi.server_answer(psi.new_server_key(), other_request)),
    )
    assert factories.signed_post(MD, tampered).status_code == 422
    query.refresh_from_db()
    assert query.state == MatchQuery.State.SENT
    # A signature that does not verify: 401, whatever the body.
    honest = _answer_from_md(query, ["domain:a.kz", "phone:+77015550101", "phone:+1"])
    forged = MD.sign(honest)
    forged["body"]["setup_version"] = 2
    bad = Client().post(
        "/federation/v1/inbox", canonical.dumps(forged), content_type="application/json"
    )
    assert bad.status_code == 401
    # The honest answer: exactly the two shared indicators, and the key is erased.
    assert factories.signed_post(MD, honest).status_code == 202
    query.refresh_from_db()
    assert query.state == MatchQuery.State.ANSWERED
    assert sorted(h["value"] for h in query.hits) == ["+77015550101", "www.a.kz"]
    assert bytes(query.client_key) == b""


# Test vector (docs/protocol.md, "Private match"): fixed keys make the library's bytes
# and the envelopes reproducible.
CLIENT_KEY, SERVER_KEY = bytes(range(32)), bytes(range(32, 64))
VECTOR_ITEMS = ["phone:+37369123456", "domain:example.md"]
VECTOR_SERVER_ITEMS = ["domain:example.md", "telegram:x"]
VECTOR_REQUEST = (
    "CAESIQLnmTRkGuchAKAJJCinHeZ6aFrTHRcZBC03R94L6M-mCBIhAy0-"
    "nkQmSTM1hyDUAdtnmRNwB18Ddvyf2NY8RsmLkKMv"
)
VECTOR_RESPONSE = (
    "CiEDiGnH1qeE1Iv3kKGvNi0-fJPd_xcIQl3uDn7CA4bxyGUKIQLMBVdoG9EnrSJcG17-1okTZtdd8bwj_AOj7iUG9nhfGw"
)
VECTOR_SETUP = "EhgILBCAwMbJ-us4Ggze3GE58bgCx-8WOg0"
VECTOR_BASE = "7ZPiaL8T8Jzl54U7LuJYHtghRb2vgS41PClhuoBaZ1s"
QUERY_ID, ANSWER_ID = "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e90", "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e91"


def test_private_match_known_answer() -> None:
    import private_set_intersection.python as lib

    client = lib.client.CreateFromKey(CLIENT_KEY, True)
    request = bytes(client.CreateRequest(VECTOR_ITEMS).SerializeToString())
    assert b64url_encode(request) == VECTOR_REQUEST
    assert b64url_encode(psi.server_answer(SERVER_KEY, request)) == VECTOR_RESPONSE
    assert b64url_encode(psi.server_setup(SERVER_KEY, VECTOR_SERVER_ITEMS, 500)) == VECTOR_SETUP
    found = psi.client_intersection(
        CLIENT_KEY,
        VECTOR_ITEMS,
        [b64url_decode(VECTOR_SETUP)],
        b64url_decode(VECTOR_RESPONSE),
    )
    assert found == [1]
    assert psi.setup_digest(b64url_decode(VECTOR_SETUP)) == VECTOR_BASE


def test_private_match_envelopes_known_answer() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from exchange import schemas, signing

    seed = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # contract Appendix A
    common: dict[str, Any] = {
        "v": 1,
        "created_at": "2026-12-07T12:00:00Z",
        "thread": QUERY_ID,
        "handling": "H1",
    }
    query: dict[str, Any] = {
        **common,
        "id": QUERY_ID,
        "type": "match.query",
        "origin": "MD",
        "to": ["KZ"],
        "in_reply_to": None,
        "body": {"case_ref": "MD-2026-0042", "request": VECTOR_REQUEST, "count": 2},
    }
    answer: dict[str, Any] = {
        **common,
        "id": ANSWER_ID,
        "type": "match.answer",
        "origin": "KZ",
        "to": ["MD"],
        "created_at": "2026-12-07T12:00:05Z",
        "in_reply_to": QUERY_ID,
        "body": {
            "response": VECTOR_RESPONSE,
            "setups": [VECTOR_SETUP],
            "setup_version": 1,
            "base": VECTOR_BASE,
        },
    }
    expected = {
        "match.query": (
            371,
            "87e7787b1da8423cc0cfd7a0c1a8f0274976c4095647e81c18263b75ded1b166",
            "6VvjhW3BpBdKiFnKV7Xn4djjbjjIEpmK4ggiciVJmYQYZN_nXi2JSnPofedzfbVDhoLbr5FwuRSAyv6xju3mBg",
        ),
        "match.answer": (
            489,
            "5ec3c07d556ac4230e7c86f661b7c9ef893c46b75c0887d209d528ca622f08e6",
            "H-N_1eSefCDbqkU8FJAQajbbUTN8fubsd21JXgIU9KAggEPOPUkFaVytnoWqycth5ny-T_xjo6Wgx2Op9ab9AQ",
        ),
    }
    for envelope in (query, answer):
        assert schemas.body_problems(envelope["type"], envelope["body"]) == []
        raw = canonical.dumps(envelope)
        size, sha, signature = expected[envelope["type"]]
        assert (len(raw), hashlib.sha256(raw).hexdigest()) == (size, sha)
        key_id = f"{envelope['origin']}:test-1"
        signed = signing.sign(envelope, key_id=key_id, private_key=seed)
        assert signed["signature"]["value"] == signature


def test_case_page_shows_each_answer_and_sends_a_targeted_notification(kz: None) -> None:
    coord = user("kz.boss", role="coordinator")
    case = factories.case(
        coord,
        indicators=[
            {"kind": "phone", "value": "87015550101"},
            {"kind": "domain", "value": "www.a.kz"},
            {"kind": "telegram", "value": "kz_only"},
        ],
    )
    client = verified_client(Client(), coord)
    sent = client.post(f"/cases/{case.pk}/match/", {"to": ["MD"]})
    assert sent.status_code == 302
    query = MatchQuery.objects.get(case=case)
    honest = _answer_from_md(query, ["domain:a.kz", "phone:+77015550101"])
    assert factories.signed_post(MD, honest).status_code == 202

    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-country="MD" data-state="answered"' in page
    for language in ("ru", "en"):
        client.cookies["django_language"] = language
        html = client.get(f"/cases/{case.pk}/").content.decode()
        section = html[html.index('<section id="private-match"') : html.index("</section>")]
        assert walk.problems(section, language, set(), walk.raw_values()) == []
    client.cookies["django_language"] = "ru"
    assert "совпадение по 2 признакам" in page and "kz_only</code>, " not in page
    assert f'href="?match={query.pk}#notify"' in page
    targeted = client.get(f"/cases/{case.pk}/?match={query.pk}").content.decode()
    assert 'id="notify-targeted"' in targeted and 'value="MD" id="to-MD" checked' in targeted

    wider = client.post(
        f"/cases/{case.pk}/notify/",
        {"to": ["MD", "UZ"], "handling": "H1", "match": str(query.pk)},
    )
    assert (
        wider.status_code == 400
        and not OutboundMessage.objects.filter(type="case.notification").exists()
    )
    done = client.post(
        f"/cases/{case.pk}/notify/", {"to": ["MD"], "handling": "H1", "match": str(query.pk)}
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    note = OutboundMessage.objects.get(type="case.notification")
    assert sorted(i["value"] for i in note.envelope["body"]["indicators"]) == [
        "+77015550101",
        "www.a.kz",
    ]


def test_the_first_query_builds_the_setup_when_none_is_cached(kz: None) -> None:
    assert private_match.refresh_setup() is None  # nothing to cache: nothing built
    _kz_case([{"kind": "domain", "value": "a.kz"}])
    assert not MatchSetup.objects.exists()
    key, envelope = _query(["domain:a.kz", "domain:b.kz"])
    assert factories.signed_post(MD, envelope).status_code == 202
    body = OutboundMessage.objects.get(type="match.answer").envelope["body"]
    found = psi.client_intersection(
        key,
        ["domain:a.kz", "domain:b.kz"],
        [b64url_decode(s) for s in body["setups"]],
        b64url_decode(body["response"]),
    )
    assert found == [0] and MatchSetup.objects.get().item_count == 1


def test_a_peer_filter_held_already_is_left_out_of_the_next_answer(kz: None) -> None:
    owner = user("kz.coord", role="coordinator")
    case = factories.case(owner, indicators=[{"kind": "domain", "value": "www.a.kz"}])
    md_key = psi.new_server_key()
    [first] = private_match.match_ask(actor=owner, case=case, peers=["MD"])
    answer = _answer_from_md(first, ["domain:a.kz"], md_key)
    assert len(answer["body"]["setups"]) == 1
    assert factories.signed_post(MD, answer).status_code == 202

    [second] = private_match.match_ask(actor=owner, case=case, peers=["MD"])
    sent = OutboundMessage.objects.get(envelope_id=second.envelope_id).envelope
    assert sent["body"]["have_setup"] == answer["body"]["base"]
    small = _answer_from_md(second, ["domain:a.kz"], md_key)
    assert small["body"]["setups"] == []
    assert factories.signed_post(MD, small).status_code == 202
    second.refresh_from_db()
    assert [h["value"] for h in second.hits] == ["www.a.kz"]

    # An answer naming a filter we do not hold is refused; the query keeps waiting.
    [third] = private_match.match_ask(actor=owner, case=case, peers=["MD"])
    stray = _answer_from_md(third, ["domain:a.kz"], md_key, base="x" * 43, setups=[])
    assert factories.signed_post(MD, stray).status_code == 422
    third.refresh_from_db()
    assert third.state == MatchQuery.State.SENT


def test_the_answering_side_leaves_out_the_filter_the_query_holds(kz: None) -> None:
    _kz_case([{"kind": "domain", "value": "a.kz"}])
    built = _built()
    key, envelope = _query(["domain:a.kz"])
    envelope["body"]["have_setup"] = built.digest
    assert factories.signed_post(MD, envelope).status_code == 202
    body = OutboundMessage.objects.get(type="match.answer").envelope["body"]
    assert body["setups"] == [] and body["base"] == built.digest
    found = psi.client_intersection(
        key, ["domain:a.kz"], [bytes(built.setup)], b64url_decode(body["response"])
    )
    assert found == [0]


def test_the_api_asks_enrolled_peers_only(kz: None) -> None:
    owner = user("kz.api", role="coordinator")
    case = factories.case(owner)
    api = Client(headers={"Authorization": factories.bearer(owner)["HTTP_AUTHORIZATION"]})
    url = f"/api/v1/cases/{case.pk}/match/"
    refused = api.post(url, {"to": ["UZ"]}, "application/json")
    assert refused.status_code == 400
    asked = api.post(url, {}, "application/json")
    assert asked.status_code == 202
    assert [(r["peer"], r["state"], r["items"]) for r in asked.json()] == [("MD", "sent", 3)]
