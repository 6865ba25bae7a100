"""What a peer may put in a body: nothing the database cannot store, nothing longer than
where it is kept. Refused at the contract's 422 on both databases, never a 500 and never a
receipt for a message whose handler then fails. Over real HTTP into the node's inbox view
(Django's test client); run on PostgreSQL in CI, where NUL and lengths used to break."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.models import Alert
from exchange import schemas
from exchange.models import InboundMessage
from tests import factories
from tests.fednet import FakePeer

MD = FakePeer("MD")


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ", MD)


def notification(**body: Any) -> dict[str, Any]:
    return factories.notification(MD, **body)


def post(envelope: dict[str, Any]) -> Any:
    return factories.signed_post(MD, envelope)


@pytest.mark.parametrize(
    ("body", "member"),
    [
        ({"title": "x" * 301}, "body.title"),
        ({"case_ref": "R" * 65}, "body.case_ref"),
        ({"summary": "before\u0000after"}, "body.summary"),
        ({"indicators": [{"kind": "phone", "value": "+1\u0000"}]}, "body.indicators[0].value"),
    ],
)
def test_unstorable_or_over_long_members_are_refused_with_422(kz, body, member):
    envelope = notification(**body)
    response = post(envelope)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_body"
    assert member in error["message"]
    assert not InboundMessage.objects.filter(envelope_id=envelope["id"]).exists()


def test_limits_at_the_edge_are_accepted_and_alert(kz, django_capture_on_commit_callbacks):
    envelope = notification(title="т" * 300, case_ref="R" * 64)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(envelope).status_code == 202
    assert InboundMessage.objects.get(envelope_id=envelope["id"]).state == "processed"
    # The alert's title ("MD <ref>: <title>") is longer than its column: cut, not a failure.
    assert len(Alert.objects.get(kind="inbound_notification").title) <= 300


def test_a_title_with_a_newline_makes_a_one_line_alert(kz):
    assert post(notification(title="Вербовка\r\nSubject: x\x07")).status_code == 202
    title = Alert.objects.get(kind="inbound_notification").title
    assert "\n" not in title and "\r" not in title and "\x07" not in title
    assert "Вербовка Subject: x" in title


def test_text_problems_names_every_path():
    assert schemas.text_problems({"a": ["ok", {"title": "\u0000"}]}) == [
        "body.a[1].title: must not contain U+0000"
    ]
    assert schemas.text_problems({"facts": ["f"] * (schemas.MAX_ITEMS + 1)})[0].endswith(
        f"at most {schemas.MAX_ITEMS} items"
    )
