"""The takedown lifecycle, enforced on both sides (cases.takedowns' docstring).

The deciding side (KZ received MD's request) sends only forward steps, or a correction
with a reason; the requesting side (KZ filed a request to MD) folds what MD reported
through the same rule: a step back with a note is a correction, one without is kept
but does not move the current state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEntry
from cases import takedowns
from cases.models import InboundItem, InboundTakedownTarget, OutboundRequest, Takedown
from cases.services import ServiceError
from exchange import schemas
from exchange.models import OutboundMessage
from tests import factories
from tests.accounts.helpers import create_user, verified_client
from tests.fednet import FakePeer

MD = FakePeer("MD")


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ", MD)


def post(envelope: dict[str, Any]) -> None:
    response = factories.signed_post(MD, envelope)
    assert response.status_code in (200, 202), response.content


def received_request() -> InboundItem:
    post(factories.takedown_request(MD))
    return InboundItem.objects.get(kind="takedown")


def sent_statuses() -> list[str]:
    return [
        e["body"]["status"]
        for e in OutboundMessage.objects.filter(type="takedown.status")
        .order_by("id")
        .values_list("envelope", flat=True)
    ]


def test_the_order_is_written_once_and_ends_are_ends() -> None:
    assert takedowns.is_forward("received", "blocked")
    assert takedowns.is_forward("blocked", "removed")
    assert not takedowns.is_forward("blocked", "received")
    assert not takedowns.is_forward("order_issued", "under_review")
    for end in ("removed", "refused", "platform_unresponsive"):
        assert not any(takedowns.is_forward(end, s) for s in takedowns.STATUSES)
    assert set(takedowns.NEXT) == {"sent", *takedowns.STATUSES}


def test_decider_sends_forward_steps_and_refuses_a_step_back_without_reason(kz: None) -> None:
    coord = create_user("kz.coord", "coordinator", "hq")
    item = received_request()
    report = takedowns.takedown_status_report
    report(actor=coord, item=item, target="webcam-jobs.md", status="under_review")
    report(actor=coord, item=item, target="webcam-jobs.md", status="blocked")
    with pytest.raises(ServiceError) as refused:
        report(actor=coord, item=item, target="webcam-jobs.md", status="received")
    assert refused.value.field == "note" and "причину" in refused.value.message  # ru default
    row = InboundTakedownTarget.objects.get(item=item)
    assert row.status == "blocked"
    assert sent_statuses() == ["received", "under_review", "blocked"]

    # The same step back with a reason is a correction: sent, audited as one.
    report(
        actor=coord,
        item=item,
        target="webcam-jobs.md",
        status="under_review",
        note="The court order was annulled on appeal.",
    )
    row.refresh_from_db()
    assert row.status == "under_review" and "annulled" in row.note
    assert sent_statuses()[-1] == "under_review"
    entry = AuditEntry.objects.filter(action="takedown.status.send").order_by("-seq").first()
    assert entry is not None and entry.details["correction"] is True
    assert entry.details["previous"] == "blocked"

    # The decider's page folds what it sent by the same rule: the correction shows.
    (decided,) = takedowns.decided(item)
    assert decided["corrected"] and "annulled" in decided["reason"]
    assert [s.kind for s in decided["steps"]] == ["step", "step", "step", "correction"]
    page = verified_client(Client(), coord).get(f"/cases/inbound/{item.pk}/").content.decode()
    assert "исправление" in page and "Причина исправления: The court order" in page


def test_decider_refuses_repeating_a_state_without_reason(kz: None) -> None:
    coord = create_user("kz.coord", "coordinator", "hq")
    item = received_request()
    with pytest.raises(ServiceError):
        takedowns.takedown_status_report(
            actor=coord, item=item, target="webcam-jobs.md", status="received"
        )


@pytest.fixture
def ours(kz: None) -> Takedown:
    coord = create_user("kz.coord", "coordinator", "hq")
    return takedowns.takedown_create(
        actor=coord,
        targets=[{"domain": "bad.example"}],
        legal_basis={"country": "KZ", "code": "CC", "article": "309"},
        requested_action="block",
        urgency="urgent",
        to=["MD"],
    )


def status_from_md(t: Takedown, status: str, at: dt.datetime, note: str = "") -> None:
    body: dict[str, Any] = {
        "request_ref": t.request_ref,
        "target": "bad.example",
        "status": status,
        "at": schemas.format_time(at),
    }
    if note:
        body["note"] = note
    post(
        MD.envelope(
            ["KZ"],
            type="takedown.status",
            body=body,
            thread=t.envelope_id,
            in_reply_to=t.envelope_id,
        )
    )


def cell(t: Takedown) -> dict[str, Any]:
    (row,) = takedowns.board(Takedown.objects.get(pk=t.pk))
    return row


def test_requester_keeps_a_step_back_without_note_but_does_not_apply_it(ours: Takedown) -> None:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    status_from_md(ours, "received", start)
    status_from_md(ours, "blocked", start + dt.timedelta(seconds=5))
    status_from_md(ours, "under_review", start + dt.timedelta(seconds=9))
    row = cell(ours)
    assert row["status"] == "blocked" and not row["pending"] and not row["corrected"]
    assert [s["kind"] for s in row["steps"]] == ["step", "step", "ignored"]

    status_from_md(ours, "under_review", start + dt.timedelta(seconds=20), note="Order annulled")
    row = cell(ours)
    assert row["status"] == "under_review" and row["corrected"] and row["pending"]
    assert row["reason"] == "Order annulled"
    assert row["steps"][-1]["kind"] == "correction"


def test_requester_converges_whatever_the_arrival_order(ours: Takedown) -> None:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    status_from_md(ours, "refused", start + dt.timedelta(seconds=10), note="Not unlawful here")
    status_from_md(ours, "under_review", start + dt.timedelta(seconds=5))
    status_from_md(ours, "received", start)
    row = cell(ours)
    assert row["status"] == "refused" and row["reason"] == "Not unlawful here"
    assert [s["status"] for s in row["steps"]] == ["received", "under_review", "refused"]
    assert all(s["kind"] == "step" for s in row["steps"])


def test_chase_sends_a_case_request_on_the_thread_once_per_interval(ours: Takedown) -> None:
    coord = ours.created_by
    req = takedowns.takedown_chase(actor=coord, takedown=ours, country="MD")
    assert req.thread == ours.envelope_id and req.country == "MD"
    message = OutboundMessage.objects.get(type="case.request")
    assert message.envelope["body"]["case_ref"] == ours.request_ref
    assert message.envelope["in_reply_to"] == ours.envelope_id
    assert AuditEntry.objects.filter(action="takedown.chase").count() == 1
    with pytest.raises(ServiceError) as again:
        takedowns.takedown_chase(actor=coord, takedown=ours, country="MD")
    assert again.value.field == "country"
    assert OutboundRequest.objects.count() == 1


def test_nothing_to_chase_once_decided(ours: Takedown) -> None:
    status_from_md(ours, "refused", dt.datetime.now(dt.UTC), note="No")
    with pytest.raises(ServiceError):
        takedowns.takedown_chase(actor=ours.created_by, takedown=ours, country="MD")


def test_statistics_count_refused_and_pending(ours: Takedown) -> None:
    figures = takedowns.statistics_figures()
    assert figures["per_country"]["MD"]["pending"] == 1
    status_from_md(ours, "blocked", dt.datetime.now(dt.UTC))
    figures = takedowns.statistics_figures()
    md = figures["per_country"]["MD"]
    assert md["done"] == 1 and md["pending"] == 0 and md["median_seconds"] is not None
    assert any(v is not None for v in figures["trend"]["countries"]["MD"])


def test_a_refused_step_back_is_shown_beside_its_field_with_the_input_kept(kz: None) -> None:
    coord = create_user("kz.coord", "coordinator", "hq")
    item = received_request()
    takedowns.takedown_status_report(
        actor=coord, item=item, target="webcam-jobs.md", status="blocked"
    )
    client = verified_client(Client(), coord)
    shown = client.get(f"/cases/inbound/{item.pk}/").content.decode()
    assert "<h2>Индикаторы</h2>\n<ul><li>—</li></ul>" in shown  # none sent: said, not blank
    url = f"/cases/inbound/{item.pk}/act/"
    form = {"action": "takedown-status", "target": "webcam-jobs.md"}

    response = client.post(url, {**form, "status": "received", "text": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    # The reason's error sits in the target's form, above the note it names; the step
    # back chosen stays chosen.
    report = page[page.index('class="td-report"') :]
    error = report.index('id="td-text-1-error"')
    assert "причину" in report[error : report.index('id="td-text-1"')]
    assert 'aria-describedby="td-text-1-error"' in report
    assert '<option value="received" selected>' in report
    assert sent_statuses() == ["received", "blocked"]

    # A state not offered: the error is beside the state and the note typed is kept.
    response = client.post(url, {**form, "status": "nonsense", "text": "Court order 12/7"})
    assert response.status_code == 400
    report = response.content.decode().split('class="td-report"', 1)[1]
    assert 'id="td-status-1-error"' in report and 'aria-invalid="true"' in report
    assert 'value="Court order 12/7"' in report

    # With the reason it goes through, back to the page.
    response = client.post(url, {**form, "status": "received", "text": "Order annulled"})
    assert response.status_code == 302
    assert sent_statuses()[-1] == "received"
