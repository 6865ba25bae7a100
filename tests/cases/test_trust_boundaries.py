"""What a peer's content may become here (issue 17, problems 2, 3 and 5): handling codes
on every way out, replies and requests bound to what was sent to their origin, threads
that show a user only their conversation, and text without control characters.

Peers' messages arrive signed through the real inbox (/federation/v1/inbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases import selectors, services, takedowns
from cases.access import grant
from cases.models import Case, InboundItem, MirrorProposal
from exchange.models import OutboundMessage
from tests import factories
from tests.accounts.helpers import verified_client
from tests.factories import CASE, bearer, user
from tests.fednet import FakePeer

MD = FakePeer("MD")
UZ = FakePeer("UZ")
PHONE = "+37369123456"


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ", MD, UZ)


def api(u: Any) -> APIClient:
    client = APIClient()
    client.credentials(**bearer(u))
    return client


def post(peer: FakePeer, envelope: dict[str, Any]) -> Any:
    return factories.signed_post(peer, envelope)


def notification(peer: FakePeer, handling: str = "H0", **body: Any) -> dict[str, Any]:
    indicators = [{"kind": "phone", "value": PHONE}, {"kind": "domain", "value": "new.example"}]
    return factories.notification(peer, "KZ", handling, **{"indicators": indicators, **body})


def received(peer: FakePeer, handling: str = "H0", **body: Any) -> InboundItem:
    envelope = notification(peer, handling, **body)
    assert post(peer, envelope).status_code == 202
    return InboundItem.objects.get(envelope_id=envelope["id"])


def our_takedown(coordinator: Any, to: list[str], handling: str = "H0") -> Any:
    return takedowns.takedown_create(
        actor=coordinator,
        targets=[{"domain": "models-work.example.md"}],
        legal_basis={"country": "KZ", "code": "CC", "article": "309"},
        requested_action="block",
        urgency="urgent",
        to=to,
        indicators=[{"kind": "phone", "value": PHONE}],
        handling=handling,
    )


def sent_to(country: str, type: str) -> list[OutboundMessage]:
    return [
        m
        for m in OutboundMessage.objects.filter(type=type)
        if country in [e.destination.country for e in m.entries.all()]
    ]


# Problem 2: handling codes wherever content leaves.


def test_a_mirror_found_in_h2_content_is_not_sent_to_a_third_country(kz: None) -> None:
    coordinator = user("coord", "coordinator")
    our_takedown(coordinator, ["MD", "UZ"])
    received(MD, "H2")
    proposal = MirrorProposal.objects.get(domain="new.example")
    assert (proposal.source_origin, proposal.source_handling) == ("MD", "H2")

    response = api(coordinator).post(f"/api/v1/mirror-proposals/{proposal.pk}/join/")
    assert response.status_code == 400, response.content
    assert "UZ" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == MirrorProposal.Status.PROPOSED
    assert len(sent_to("UZ", "takedown.request")) == 1  # only the original


def test_a_mirror_found_in_h1_content_goes_at_h1(kz: None) -> None:
    coordinator = user("coord", "coordinator")
    our_takedown(coordinator, ["UZ"], handling="H0")
    received(MD, "H1")
    proposal = MirrorProposal.objects.get(domain="new.example")
    mirror = takedowns.mirror_join(actor=coordinator, proposal=proposal)
    assert mirror.handling == "H1"
    message = OutboundMessage.objects.get(envelope_id=mirror.envelope_id)
    assert message.envelope["handling"] == "H1"


def test_a_forward_cannot_lower_the_handling_code(kz: None) -> None:
    coordinator = user("coord", "coordinator")
    item = received(MD, "H1")
    with pytest.raises(services.ForwardRefused) as refused:
        services.inbound_forward(actor=coordinator, item=item, to=["UZ"], handling="H0")
    assert refused.value.field == "handling"
    assert not sent_to("UZ", "case.notification")
    services.inbound_forward(actor=coordinator, item=item, to=["UZ"], handling="H1")
    assert len(sent_to("UZ", "case.notification")) == 1


def test_h3_restrictions_travel_with_the_answer_and_are_shown(kz: None) -> None:
    coordinator = user("coord", "coordinator")
    restriction = "Не использовать в суде без согласия"
    note = notification(MD, "H3", restrictions=restriction)
    assert post(MD, note).status_code == 202
    request = MD.envelope(
        ["KZ"],
        type="case.request",
        body={
            "case_ref": "MD-2026-0042",
            "kind": "information",
            "text": "Кто владелец?",
            "restrictions": restriction,
        },
        handling="H3",
        thread=note["id"],
        in_reply_to=note["id"],
    )
    assert post(MD, request).status_code == 202
    item = InboundItem.objects.get(envelope_id=request["id"])

    envelope_id = services.response_send(actor=coordinator, item=item, text="Ответ")
    sent = OutboundMessage.objects.get(envelope_id=envelope_id).envelope
    assert sent["handling"] == "H3"
    assert sent["body"]["restrictions"] == restriction

    page = verified_client(Client(), coordinator).get(f"/cases/inbound/{item.pk}/")
    assert page.status_code == 200
    assert restriction in page.content.decode()


# Problem 3: requests and threads bound to the exchange.


def test_a_request_about_a_case_never_notified_to_its_sender_reaches_nobody_s_desk(
    kz: None,
) -> None:
    owner = user("owner", "prosecutor", "cyber")
    case = services.case_create(actor=owner, **CASE)
    services.case_notify(actor=owner, case=case, to=["MD"], handling="H0")
    envelope = UZ.envelope(
        ["KZ"],
        type="case.request",
        body={"case_ref": case.reference, "kind": "information", "text": "Дайте всё"},
    )
    assert post(UZ, envelope).status_code == 202
    item = InboundItem.objects.get(envelope_id=envelope["id"])
    assert item.local_case is None
    assert not selectors.inbound_for(owner).filter(pk=item.pk).exists()

    asked_by_md = MD.envelope(
        ["KZ"],
        type="case.request",
        body={"case_ref": case.reference, "kind": "information", "text": "Уточните"},
    )
    assert post(MD, asked_by_md).status_code == 202
    item = InboundItem.objects.get(envelope_id=asked_by_md["id"])
    assert item.local_case == case
    assert selectors.inbound_for(owner).filter(pk=item.pk).exists()


def test_a_thread_id_reused_by_another_peer_does_not_show_the_first_peer_s_messages(
    kz: None,
) -> None:
    md_reader = user("md-reader")
    uz_reader = user("uz-reader")
    md_item = received(MD, "H2", title="Только для читателя MD")
    grant("view_inbounditem", md_item, users=[md_reader])
    reuse = UZ.envelope(
        ["KZ"],
        type="case.request",
        body={"case_ref": "UZ-2026-0001", "kind": "information", "text": "Вопрос"},
        thread=md_item.thread,
    )
    assert post(UZ, reuse).status_code == 202
    uz_item = InboundItem.objects.get(envelope_id=reuse["id"])
    grant("view_inbounditem", uz_item, users=[uz_reader])

    seen = selectors.thread_view(uz_reader, md_item.thread)["messages"]
    assert [m["origin"] for m in seen] == ["UZ"]
    seen = selectors.thread_view(md_reader, md_item.thread)["messages"]
    assert [m["origin"] for m in seen] == ["MD"]


# Problem 5 and past deadlines: refused at the API and from peers.


@pytest.mark.parametrize(
    ("member", "value"),
    [("title", "Первая строка\nвторая"), ("title", "a\x1b[31m"), ("summary", "x\x07y")],
)
def test_the_api_refuses_control_characters(kz: None, member: str, value: str) -> None:
    owner = user("owner")
    response = api(owner).post("/api/v1/cases/", {**CASE, member: value}, format="json")
    assert response.status_code == 400, response.content
    assert member in response.json()
    assert not Case.objects.exists()


def test_line_breaks_stay_allowed_in_free_text(kz: None) -> None:
    owner = user("owner")
    response = api(owner).post(
        "/api/v1/cases/", {**CASE, "summary": "Первая строка\nвторая\tтаб"}, format="json"
    )
    assert response.status_code == 201, response.content


def test_a_request_with_a_past_deadline_is_refused_at_the_api(kz: None) -> None:
    owner = user("owner")
    case = services.case_create(actor=owner, **CASE)
    services.case_notify(actor=owner, case=case, to=["MD"], handling="H0")
    response = api(owner).post(
        f"/api/v1/cases/{case.pk}/requests/",
        {"kind": "information", "text": "?", "country": "MD", "due_by": "1970-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "due_by" in response.json()
    with pytest.raises(services.ServiceError):
        services.request_send(
            actor=owner,
            kind="information",
            text="?",
            case=case,
            country="MD",
            due_by=timezone.now() - dt.timedelta(minutes=1),
        )


def test_a_peer_request_due_before_it_was_written_is_refused(kz: None) -> None:
    envelope = MD.envelope(
        ["KZ"],
        type="case.request",
        body={
            "case_ref": "KZ-2026-0001",
            "kind": "information",
            "text": "?",
            "due_by": "1970-01-01T00:00:00Z",
        },
    )
    response = post(MD, envelope)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_body"
    assert "due_by" in response.json()["error"]["message"]
    assert not InboundItem.objects.filter(envelope_id=envelope["id"]).exists()
