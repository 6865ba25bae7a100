"""Takedown pages through a real session (password + TOTP): the form and its errors in
ru and en, the board's grid in words, its filters (shared with the API), the chase
button, and the statistics page's chart data and table."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cases.models import Takedown
from tests import factories
from tests.accounts.helpers import create_user, verified_client
from tests.factories import bearer
from tests.fednet import FakePeer

MD = FakePeer("MD")
UZ = FakePeer("UZ")
RAW = ("under_review", "order_issued", "platform_unresponsive", "st-", "H0,")


@pytest.fixture
def kg(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KG", MD, UZ)


def client_for(user: Any, language: str) -> Client:
    client = verified_client(Client(), user)
    client.cookies["django_language"] = language
    return client


def visible(html: str) -> str:
    """The page's text without tags, attributes or the JSON of the chart."""
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


FORM = {
    "targets": "https://bad.example/offer\nwebcam-jobs.kg",
    "legal_basis": "KG|CC|171|",
    "requested_action": "block",
    "urgency": "urgent",
    "indicators": "phone: +996 555 123 456",
    "to": ["MD", "UZ"],
    "handling": "H0",
}


def legal_basis_value(client: Client) -> str:
    html = client.get("/cases/takedowns/new/").content.decode()
    values: list[str] = re.findall(r'<option value="(KG\|[^"]+)"', html)
    assert values, "the article picker lists the catalogue"
    return values[0]


@pytest.mark.parametrize(
    ("language", "line_error", "typed_kept"),
    [
        ("ru", "Строка 2", "не-домен с пробелом"),
        ("en", "Line 2", "не-домен с пробелом"),
    ],
)
def test_form_errors_name_the_line_next_to_the_field_and_keep_the_input(
    kg: None, language: str, line_error: str, typed_kept: str
) -> None:
    coord = create_user("kg.coord", "coordinator", "hq")
    client = client_for(coord, language)
    form = {
        **FORM,
        "legal_basis": legal_basis_value(client),
        "targets": "https://bad.example/offer\nне-домен с пробелом",
        "indicators": "phone: +996 555 123 456\nfax: 123",
        "to": [],
    }
    page = client.post("/cases/takedowns/new/", form)
    html = page.content.decode()
    assert page.status_code == 200 and Takedown.objects.count() == 0
    targets = html[html.index('id="field-targets"') :]
    targets = targets[: targets.index('id="field-legal_basis"')]
    assert line_error in targets and typed_kept in targets
    indicators = html[html.index('id="field-indicators"') :]
    indicators = indicators[: indicators.index('id="field-to"')]
    assert line_error in indicators and "fax: 123" in indicators
    assert 'value="urgent" selected' in html or 'value="urgent"selected' in html
    if language == "ru":
        assert "Обязательное поле" in html[html.index('id="field-to"') :]
        assert "Line " not in visible(html)


def test_form_files_through_the_service_and_sends_one_request(kg: None) -> None:
    from exchange.models import OutboundMessage

    coord = create_user("kg.coord", "coordinator", "hq")
    client = client_for(coord, "ru")
    page = client.post("/cases/takedowns/new/", {**FORM, "legal_basis": legal_basis_value(client)})
    t = Takedown.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/cases/takedowns/{t.pk}/"
    assert t.targets == [{"url": "https://bad.example/offer"}, {"domain": "webcam-jobs.kg"}]
    assert t.destinations == ["MD", "UZ"] and t.legal_country == "KG"
    (sent,) = OutboundMessage.objects.filter(type="takedown.request")
    assert sorted(sent.envelope["to"]) == ["MD", "UZ"]
    assert sent.envelope["body"]["legal_basis"]["country"] == "KG"
    assert t.indicators.get().value == "+996555123456"


def test_prosecutor_cannot_file(kg: None) -> None:
    p = create_user("kg.p", "prosecutor", "cyber")
    assert client_for(p, "ru").get("/cases/takedowns/new/").status_code == 403


def make(coord: Any, ref: str, destinations: list[str], **fields: Any) -> Takedown:
    return factories.takedown(
        coord,
        ref,
        targets=[{"domain": "a.example"}, {"url": "https://b.example/x"}],
        legal_country="KG",
        legal_article="171",
        destinations=destinations,
        **fields,
    )


def step(
    t: Takedown,
    country: str,
    status: str,
    minutes: float,
    note: str = "",
    target: str = "a.example",
) -> None:
    factories.takedown_step(t, target, country, status, timedelta(minutes=minutes), note)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_board_is_a_grid_in_words_with_reasons_and_chase(kg: None, language: str) -> None:
    coord = create_user("kg.coord", "coordinator", "hq")
    t = make(coord, "KG-TD-2026-0001", ["MD", "UZ"])
    step(t, "MD", "received", 1)
    step(t, "MD", "blocked", 90)
    step(t, "MD", "received", 95)  # a step back without a reason: kept, not applied
    step(t, "UZ", "received", 2)
    step(t, "UZ", "refused", 30, note="Not unlawful here")
    html = client_for(coord, language).get("/cases/takedowns/").content.decode()
    text = visible(html)
    assert not any(raw in text for raw in RAW)
    words = {
        "ru": ["Заблокировано", "Отказано", "Причина: Not unlawful here", "Напомнить"],
        "en": ["Blocked", "Refused", "Reason: Not unlawful here", "Chase"],
    }[language]
    for w in words:
        assert w in text, w
    assert "st-blocked" in html and "st-refused" in html and "✓" in html and "✕" in html
    # Where the request stands, from its cells (b.example is waiting in both countries).
    assert {"ru": "ожидаются 2 ответа из 4", "en": "2 of 4 answers awaited"}[language] in text
    step(t, "MD", "removed", 40, target="https://b.example/x")
    step(t, "UZ", "platform_unresponsive", 50, target="https://b.example/x")
    decided = visible(client_for(coord, language).get("/cases/takedowns/").content.decode())
    assert {"ru": "все страны приняли решение", "en": "every country has decided"}[
        language
    ] in decided
    detail = client_for(coord, language).get(f"/cases/takedowns/{t.pk}/").content.decode()
    assert ("не применён" if language == "ru" else "not applied") in visible(detail)


def test_board_filters_and_the_api_share_the_filterset(kg: None) -> None:
    coord = create_user("kg.coord", "coordinator", "hq")
    make(coord, "KG-TD-2026-0001", ["MD"], urgency="routine")
    make(coord, "KG-TD-2026-0002", ["UZ"])
    client = client_for(coord, "en")
    page = client.get("/cases/takedowns/", {"country": "UZ"}).content.decode()
    assert "KG-TD-2026-0002" in page and "KG-TD-2026-0001" not in page
    page = client.get("/cases/takedowns/", {"urgency": "routine"}).content.decode()
    assert "KG-TD-2026-0001" in page and "KG-TD-2026-0002" not in page
    auth = APIClient()
    auth.credentials(**bearer(coord))
    api = auth.get("/api/v1/takedowns/", {"country": "MD"})
    assert [r["request_ref"] for r in api.json()["results"]] == ["KG-TD-2026-0001"]
    bad = auth.get("/api/v1/takedowns/", {"urgency": "soon"})
    assert bad.status_code == 400 and "urgency" in bad.json()


def test_board_paginates(kg: None) -> None:
    coord = create_user("kg.coord", "coordinator", "hq")
    for n in range(12):
        make(coord, f"KG-TD-2026-{n:04d}", ["MD"])
    client = client_for(coord, "en")
    first = visible(client.get("/cases/takedowns/").content.decode())
    assert "12 requests" in first and "Page 1 of 2" in first
    second = client.get("/cases/takedowns/", {"page": 2}).content.decode()
    assert second.count('class="td-request"') == 2


@pytest.mark.parametrize("language", ["ru", "en"])
def test_statistics_chart_data_and_table_with_units(kg: None, language: str) -> None:
    coord = create_user("kg.coord", "coordinator", "hq")
    t = make(coord, "KG-TD-2026-0001", ["MD", "UZ"])
    step(t, "MD", "blocked", 45)
    step(t, "UZ", "blocked", 26 * 60)
    step(t, "UZ", "refused", 10, note="No", target="https://b.example/x")
    html = client_for(coord, language).get("/cases/takedowns/statistics/").content.decode()
    assert '<canvas id="td-trend"' in html and "chart.umd.min.js" in html
    assert "takedown-stats.js" in html and "<script>" not in html
    found = re.search(r'id="td-trend-data"[^>]*>(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    labels = [d["label"] for d in data["datasets"]]
    assert len(labels) == 2 and "MD" not in labels  # country names, not codes
    assert ("часов" if language == "ru" else "hours") in data["y_title"]
    text = visible(html)
    if language == "ru":
        assert "45 мин" in text and "1 день 2 ч" in text
    else:
        assert "45 min" in text and "1 day 2 h" in text
    assert "0 h" not in text and "<1d" not in text and "0 ч" not in text


@pytest.mark.parametrize("language", ["ru", "en"])
def test_statistics_chart_draws_a_block_within_seconds_as_seconds_not_zero(
    kg: None, language: str
) -> None:
    """A block within a minute (a registry answering at once, the demo) is charted in
    seconds: in minutes it rounded to 0, the "0 h" the issue complained of."""
    coord = create_user("kg.coord", "coordinator", "hq")
    t = make(coord, "KG-TD-2026-0001", ["MD"])
    step(t, "MD", "blocked", 0.5)
    html = client_for(coord, language).get("/cases/takedowns/statistics/").content.decode()
    found = re.search(r'id="td-trend-data"[^>]*>(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert ("секунд" if language == "ru" else "seconds") in data["y_title"]
    assert [v for v in data["datasets"][0]["data"] if v is not None] == [30]


def test_chase_from_the_board_sends_a_reminder_once(kg: None) -> None:
    from cases.models import OutboundRequest
    from exchange.models import OutboundMessage

    coord = create_user("kg.coord", "coordinator", "hq")
    client = client_for(coord, "ru")
    client.post("/cases/takedowns/new/", {**FORM, "legal_basis": legal_basis_value(client)})
    t = Takedown.objects.get()
    chase = {"country": "UZ", "next": "/cases/takedowns/?urgency=urgent"}
    first = client.post(f"/cases/takedowns/{t.pk}/chase/", chase, follow=True)
    assert first.redirect_chain[-1][0] == "/cases/takedowns/?urgency=urgent"
    assert "Напоминание по" in visible(first.content.decode())
    again = client.post(f"/cases/takedowns/{t.pk}/chase/", chase, follow=True)
    assert "Напоминание уже отправлено" in visible(again.content.decode())
    assert OutboundRequest.objects.filter(country="UZ", thread=t.envelope_id).count() == 1
    (sent,) = OutboundMessage.objects.filter(type="case.request")
    assert sent.envelope["to"] == ["UZ"] and sent.envelope["thread"] == t.envelope_id
    outside = client.post(f"/cases/takedowns/{t.pk}/chase/", {"next": "https://evil.example/"})
    assert outside["Location"] == f"/cases/takedowns/{t.pk}/"


def test_a_proposed_mirror_is_readable_and_joins_from_the_board(kg: None) -> None:
    from cases.models import MirrorProposal

    coord = create_user("kg.coord", "coordinator", "hq")
    client = client_for(coord, "ru")
    client.post("/cases/takedowns/new/", {**FORM, "legal_basis": legal_basis_value(client)})
    t = Takedown.objects.get()
    proposal = MirrorProposal.objects.create(
        takedown=t,
        domain="webcam-jobs2.kg",
        shared_kind="phone",
        shared_value="+996555123456",
        source="case KG-2026-0001",
    )
    board = visible(client.get("/cases/takedowns/").content.decode())
    assert "webcam-jobs2.kg" in board and "Присоединить webcam-jobs2.kg к " + t.request_ref in board
    assert "phone" not in board  # the kind in words
    joined = client.post(f"/cases/mirrors/{proposal.pk}/join/", follow=True)
    mirror = Takedown.objects.get(mirror_of=t)
    assert joined.redirect_chain[-1][0] == f"/cases/takedowns/{mirror.pk}/"
    assert "присоединён как зеркало" in visible(joined.content.decode())
    assert mirror.targets == [{"domain": "webcam-jobs2.kg"}] and mirror.destinations == ["MD", "UZ"]


def test_statistics_api_carries_the_page_figures(kg: None) -> None:
    coord = create_user("kg.coord", "coordinator", "hq")
    t = make(coord, "KG-TD-2026-0001", ["MD"])
    step(t, "MD", "blocked", 45)
    auth = APIClient()
    auth.credentials(**bearer(coord))
    body = auth.get("/api/v1/takedowns/statistics/").json()
    assert body["per_country"]["MD"]["done"] == 1
    assert body["per_country"]["MD"]["pending"] == 1  # the other target
    assert body["trend"]["countries"]["MD"][-1] == 45 * 60
