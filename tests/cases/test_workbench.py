"""The coordinator's case workbench (issue 19, points 2, 3 and 7): the new-case form
(errors next to the field in the reader's language, choices kept), the case page per
destination, edit/status/close and the reply travelling as `case.update`, the thread as
a conversation, and the printable case file with its audit reference.

Node KZ with MD enrolled (a test-held key): what KZ sends is written to its outbox (the
delivery itself is left to the federation tests); what MD sends goes through the inbox."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from alerts import subjects
from alerts.labels import alert_summary, alert_title
from alerts.models import Alert
from audit.models import AuditEntry
from cases import services
from cases.models import Case
from exchange import schemas
from exchange.models import InboundMessage, OutboundMessage
from tests import factories
from tests.accounts.helpers import create_user, verified_client
from tests.fednet import FakePeer

pytestmark = pytest.mark.django_db
MD = FakePeer("MD")

FORM = {
    "title": "Вербовка веб-моделей",
    "summary": "Объявления в Telegram",
    "offence": "MD|MD CC 18.04.2002 No.985-XV|165|1",
    "facts": ["adult_victim", "online", "webcam"],
    "urgency": "immediate",
    "handling": "H1",
    "indicators": "phone: +373 69 123 456\ntelegram: @Studio",
}


@pytest.fixture
def kz(settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ", MD)


def _client(user: Any, language: str = "ru") -> Client:
    client = verified_client(Client(), user)
    client.cookies["django_language"] = language
    return client


def _case(owner: Any, **extra: Any) -> Case:
    return services.case_create(
        actor=owner,
        title="Вербовка веб-моделей",
        summary="Объявления в Telegram",
        offence={"country": "KZ", "code": "CC", "article": "308", "part": "1"},
        facts=["adult_victim", "online"],
        urgency="urgent",
        indicators=[{"kind": "phone", "value": "+37369123456"}],
        handling="H1",
        **extra,
    )


def _updates() -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(type="case.update").order_by("created_at", "id"))


def _offence_value(client: Client) -> str:
    """An MD option of the article picker (its value carries the catalogue's code)."""
    html = client.get("/cases/new/").content.decode()
    found = re.search(r'<option value="(MD\|[^"|]*\|[^"|]*\|[^"]*)"', html)
    assert found, "no MD article offered"
    return found[1].replace("&#x27;", "'")


# --- the form --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
def test_form_errors_are_next_to_the_field_in_the_language_and_choices_are_kept(
    language: str,
) -> None:
    coord = create_user(f"wf.{language}", "coordinator", "hq")
    client = _client(coord, language)
    page = client.get("/cases/new/").content.decode()
    # Facts as grouped, translated checkboxes; handling has no default.
    if language == "ru":
        assert "Вербовка лица" in page and "Facts (comma separated)" not in page
    else:
        assert "Recruitment of a person" in page
    assert 'name="handling"' in page and 'value="H0" checked' not in page
    offence = _offence_value(client)
    bad = client.post(
        "/cases/new/", {**FORM, "offence": offence, "indicators": "phone: not-a-number"}
    )
    html = bad.content.decode()
    assert bad.status_code == 400 and not Case.objects.exists()
    assert "ErrorDetail" not in html and "[" not in re.sub(r"<[^>]+>", "", html).split("*")[0]
    error = re.search(r'<ul class="errorlist"[^>]*>(.*?)</ul>', html, re.S)
    assert error is not None
    if language == "ru":
        assert "Строка 1" in error[1]
    else:
        assert "Line 1" in error[1]
    # Every choice kept: urgency "immediate", the facts, the handling code, the article.
    assert re.search(r'value="immediate"[^>]*checked', html)
    assert re.search(r'value="H1"[^>]*checked', html)
    for tag in FORM["facts"]:
        assert re.search(rf'value="{tag}"[^>]*checked', html)
    assert re.search(r'<option value="MD\|[^"]*" selected>', html)
    assert "Вербовка веб-моделей" in html


def test_form_requires_the_handling_code_and_creates_through_the_service() -> None:
    coord = create_user("wf.create", "coordinator", "hq")
    client = _client(coord)
    offence = _offence_value(client)
    missing = client.post("/cases/new/", {**FORM, "offence": offence, "handling": ""})
    assert missing.status_code == 400 and "Обязательное поле" in missing.content.decode()
    h3 = client.post("/cases/new/", {**FORM, "offence": offence, "handling": "H3"})
    assert h3.status_code == 400 and not Case.objects.exists()
    ok = client.post("/cases/new/", {**FORM, "offence": offence})
    case = Case.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/cases/{case.pk}/"
    assert (case.handling, case.urgency, case.facts) == ("H1", "immediate", FORM["facts"])
    assert case.offence_country == "MD" and case.offence_code.startswith("MD CC")
    assert sorted(case.indicators.values_list("value", flat=True)) == ["+37369123456", "studio"]


# --- case.update: edit, status, close, reply ---------------------------------------------


def test_edit_status_and_close_travel_as_case_update_and_are_audited(kz: None) -> None:
    coord = create_user("wu.coord", "coordinator", "hq")
    case = _case(coord)
    assert services.case_update(actor=coord, case=case, changes={"urgency": "immediate"}) == 0
    services.case_notify(actor=coord, case=case, to=["MD"], handling="H1")
    thread = case.notifications.get().envelope_id
    services.case_update(
        actor=coord, case=case, changes={"title": "Новый", "urgency": "immediate"}, note="см."
    )
    services.case_set_status(actor=coord, case=case, status="closed", note="Осуждён")
    edit, close = _updates()[-2:]
    for message in (edit, close):
        assert message.thread == thread and message.envelope["to"] == ["MD"]
        assert message.envelope["handling"] == "H1"
    # Only what really changed travels (urgency was already immediate).
    assert edit.envelope["body"] == {"case_ref": case.reference, "changes": {"title": "Новый"},
                                     "note": "см."}  # fmt: skip
    assert close.envelope["body"]["changes"] == {"status": "closed"}
    case.refresh_from_db()
    assert (case.title, case.status) == ("Новый", "closed")
    entries = AuditEntry.objects.filter(object_id=str(case.pk))
    actions = list(entries.values_list("action", flat=True))
    assert "case.update" in actions and "case.close" in actions
    with pytest.raises(services.ServiceError) as nothing:
        services.case_update(actor=coord, case=case, changes={"status": "closed"})
    assert nothing.value.field == "changes"
    with pytest.raises(services.ServiceError) as bad:
        services.case_update(actor=coord, case=case, changes={"status": "archived"})
    assert bad.value.field == "status"


def test_a_reply_is_a_case_update_with_no_changes_in_the_thread_both_ways(kz: None) -> None:
    coord = create_user("wr.coord", "coordinator", "hq")
    case = _case(coord)
    services.case_notify(actor=coord, case=case, to=["MD"], handling="H1")
    thread = case.notifications.get().envelope_id
    services.thread_reply(actor=coord, thread=thread, text="Просим подтвердить получение")
    reply = _updates()[-1]
    assert reply.thread == thread and reply.envelope["in_reply_to"] == thread
    assert reply.envelope["body"] == {"case_ref": case.reference, "changes": {},
                                      "note": "Просим подтвердить получение"}  # fmt: skip
    assert AuditEntry.objects.filter(action="thread.reply").exists()
    # MD answers in the same thread: a message about our case, kept and shown.
    answer = MD.envelope(
        ["KZ"], type="case.update", thread=thread, in_reply_to=reply.envelope_id,
        body={"case_ref": case.reference, "changes": {}, "note": "Получено, работаем"},
    )  # fmt: skip
    response = factories.signed_post(MD, answer)
    assert response.status_code == 202, response.content
    assert InboundMessage.objects.get(envelope_id=answer["id"]).state == "processed"
    case.refresh_from_db()
    assert case.title == "Вербовка веб-моделей"  # a peer's "changes" never touch our case
    html = _client(coord).get(f"/cases/threads/{thread}/").content.decode()
    assert "Получено, работаем" in html and "Просим подтвердить получение" in html
    assert f"{case.reference}: Вербовка веб-моделей" in html and thread not in _text(html)
    for raw_value in ("case.update", "case.notification", "processed", "alert.ack"):
        assert raw_value not in _text(html)
    assert "Сообщение" in html and "MD: ещё не доставлено" in html
    assert f'href="/cases/{case.pk}/"' in html
    # The case's coordinator is told: an alert in words that opens the conversation.
    alert = Alert.objects.get(kind="case_message", envelope_id=answer["id"])
    first = alert.snapshot["steps"][0]
    assert first["action"] == "users" and first["users"] == [coord.pk], alert.snapshot
    with translation.override("ru"):
        assert alert_title(alert) == f"Молдова: сообщение по нашему делу {case.reference}"
        assert alert_summary(alert) == "Получено, работаем"
    assert subjects.url_of(alert) == f"/cases/threads/{thread}/"


def _notification() -> dict[str, Any]:
    """MD's notification of its case MD-2026-0042, with no indicator (nothing matches)."""
    return factories.notification(
        MD, title="Вербовка", summary="Объявления", facts=["online"], indicators=[]
    )


def test_reply_on_a_received_notification_goes_to_its_origin(kz: None) -> None:
    coord = create_user("wi.coord", "coordinator", "hq")
    note = _notification()
    assert factories.signed_post(MD, note).status_code == 202
    client = _client(coord, "en")
    empty = client.post(f"/cases/threads/{note['id']}/reply/", {"text": "  "})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    sent = client.post(f"/cases/threads/{note['id']}/reply/", {"text": "Received, on it"})
    assert sent.status_code == 302
    reply = _updates()[-1]
    assert reply.envelope["to"] == ["MD"] and reply.thread == note["id"]
    assert reply.envelope["body"] == {"case_ref": "MD-2026-0042", "changes": {},
                                      "note": "Received, on it"}  # fmt: skip
    html = client.get(f"/cases/threads/{note['id']}/").content.decode()
    assert "MD-2026-0042: Вербовка" in html and "Received, on it" in html
    assert "Signature of Moldova verified on arrival" in html


# --- the case page and the case file -----------------------------------------------------


def test_case_page_per_destination_and_notified_countries_not_offered(kz: None) -> None:
    coord = create_user("wp.coord", "coordinator", "hq")
    case = _case(coord)
    client = _client(coord)
    before = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'value="MD" id="to-MD"' in before and "H1: " in before
    no_code = client.post(f"/cases/{case.pk}/notify/", {"to": ["MD"]})
    assert no_code.status_code == 400
    assert 'value="MD" id="to-MD" checked' in no_code.content.decode()
    client.post(f"/cases/{case.pk}/notify/", {"to": ["MD"], "handling": "H1"})
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="to-MD"' not in html and "Молдова (MD)" in html
    assert "ещё не доставлено" in html and "Уже уведомлены" in html
    edit = client.post(
        f"/cases/{case.pk}/edit/", {"title": "", "summary": "x", "urgency": "urgent"}
    )
    assert edit.status_code == 400 and "Обязательное поле" in edit.content.decode()
    closed = client.post(f"/cases/{case.pk}/status/", {"status": "closed", "note": "Итог"})
    assert closed.status_code == 302
    assert _updates()[-1].envelope["body"]["changes"] == {"status": "closed"}


def test_notify_refusals_come_from_the_service_and_sit_next_to_their_field(kz: None) -> None:
    """The page only passes on what was chosen: the service refuses (no country, no
    code, a private match sent elsewhere) and the page shows it beside the field."""
    coord = create_user("wn.coord", "coordinator", "hq")
    case = _case(coord)
    for to, handling in (([], "H1"), (["MD"], "")):
        with pytest.raises(services.ServiceError) as refused:
            services.case_notify(actor=coord, case=case, to=to, handling=handling)
        assert refused.value.field == ("to" if not to else "handling")
    client = _client(coord)
    nothing = client.post(f"/cases/{case.pk}/notify/", {"handling": "H1"}).content.decode()
    error = re.search(r'<ul class="errorlist" id="notify-to-error"[^>]*>(.*?)</ul>', nothing, re.S)
    assert error is not None and "Выберите хотя бы одну страну." in error[1]
    no_code = client.post(f"/cases/{case.pk}/notify/", {"to": ["MD"]}).content.decode()
    legend = no_code.index("<legend>Код обращения")
    assert no_code.index("Выберите код обращения.", legend) < no_code.index("handling-H0", legend)
    unknown = client.post(
        f"/cases/{case.pk}/notify/", {"to": ["MD"], "handling": "H1", "match": "999"}
    )
    assert unknown.status_code == 400
    assert "Эта закрытая сверка ничего не нашла" in unknown.content.decode()
    assert not case.notifications.exists()


def test_a_case_filed_without_a_handling_code_shows_the_one_of_each_notification(
    kz: None,
) -> None:
    """A case from the API may have no code of its own: once notified, the page says which
    code each country got, not "not chosen yet"."""
    coord = create_user("wh.coord", "coordinator", "hq")
    case = services.case_create(
        actor=coord, title="Без кода", summary="Из API",
        offence={"country": "KZ", "code": "CC", "article": "308", "part": "1"},
        facts=["online"], urgency="urgent", indicators=[],
    )  # fmt: skip
    client = _client(coord)
    assert "Ещё не выбран" in client.get(f"/cases/{case.pk}/").content.decode()
    services.case_notify(actor=coord, case=case, to=["MD"], handling="H2")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    handling = re.search(r'<dd id="case-handling">(.*?)</dd>', html, re.S)
    assert handling is not None and "Ещё не выбран" not in handling[1]
    assert "выбирается при каждом уведомлении" in handling[1]
    assert "MD: <strong>H2</strong>" in handling[1]
    printed = _text(client.get(f"/cases/{case.pk}/print/").content.decode())
    assert "выбирается при каждом уведомлении. MD: H2" in printed


def test_case_file_to_print_names_node_time_and_its_audit_entry(kz: None) -> None:
    coord = create_user("wd.coord", "coordinator", "hq")
    case = _case(coord)
    services.case_notify(actor=coord, case=case, to=["MD"], handling="H1")
    html = _client(coord).get(f"/cases/{case.pk}/print/").content.decode()
    entry = AuditEntry.objects.filter(action="case.print").latest("seq")
    assert f"запись № {entry.seq}" in html and "узел KZ" in html
    assert "Алматы" in html and "Правовое сравнение" in html and "Молдова (MD)" in html


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_received_updates_show_on_the_item_page_in_words(kz: None) -> None:
    """MD closes its case with a note and writes a message: KZ's item page says so."""
    coord = create_user("wk.coord", "coordinator", "hq")
    note = _notification()
    updates = [
        {"case_ref": "MD-2026-0042", "changes": {"status": "closed", "urgency": "routine"},
         "note": "Приговор вынесен"},
        {"case_ref": "MD-2026-0042", "changes": {}, "note": "Спасибо за помощь"},
    ]  # fmt: skip
    for body in [None, *updates]:
        envelope = (
            note if body is None
            else MD.envelope(["KZ"], type="case.update", thread=note["id"],
                             in_reply_to=note["id"], body=body)
        )  # fmt: skip
        response = factories.signed_post(MD, envelope)
        assert response.status_code == 202, response.content
    from cases.models import InboundItem

    item = InboundItem.objects.get(kind="notification")
    html = _text(_client(coord).get(f"/cases/inbound/{item.pk}/").content.decode())
    assert "Изменения и сообщения, страна: Молдова" in html
    assert "Статус: Закрыт" in html and "Срочность: В обычном порядке" in html
    assert "Приговор вынесен" in html and "Спасибо за помощь" in html
    assert "closed" not in html and "routine" not in html


def test_refusals_on_the_item_page_are_in_the_readers_language(kz: None) -> None:
    """A service's refusal reaches the page in Russian, never the service's English."""
    coord = create_user("wr.coord", "coordinator", "hq")
    prosecutor = create_user("wr.p1", "prosecutor", "cyber")
    note = MD.envelope(
        ["KZ"], type="case.notification",
        body={"case_ref": "MD-2026-0042", "title": "Вербовка", "summary": "Объявления",
              "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
              "facts": ["online"], "urgency": "urgent"},
    )  # fmt: skip
    answer = factories.signed_post(MD, note)
    assert answer.status_code == 202, answer.content
    from cases.models import InboundItem

    item = InboundItem.objects.get(kind="notification")
    client = _client(coord)
    answered = client.post(
        f"/cases/inbound/{item.pk}/act/", {"action": "respond", "text": "Ответ"}, follow=True
    )
    assert "Ответить можно только на полученный запрос." in answered.content.decode()
    client.post(f"/cases/inbound/{item.pk}/assign/", {"username": "wr.p1"})
    assigned = _client(prosecutor).post(
        f"/cases/inbound/{item.pk}/assign/", {"username": "wr.p1"}, follow=True
    )
    html = assigned.content.decode()
    assert "Назначать полученные документы может только координатор." in html
    assert "only a coordinator" not in html


def test_a_request_received_about_our_case_shows_under_its_country(kz: None) -> None:
    """MD asks for data preservation about a case KZ notified to it: the case page's MD
    card lists the request in words, linked to the received item."""
    coord = create_user("wq.coord", "coordinator", "hq")
    case = _case(coord)
    services.case_notify(actor=coord, case=case, to=["MD"], handling="H1")
    thread = case.notifications.get().envelope_id
    asked = MD.envelope(
        ["KZ"], type="case.request", thread=thread, in_reply_to=thread,
        body={"case_ref": case.reference, "request_ref": "MD-RQ-2026-0007",
              "kind": "preservation", "text": "Просим сохранить данные", "urgency": "urgent",
              "due_by": schemas.format_time(timezone.now() + timedelta(days=3))},
    )  # fmt: skip
    answer = factories.signed_post(MD, asked)
    assert answer.status_code == 202, answer.content
    from cases.models import InboundItem

    item = InboundItem.objects.get(kind="request")
    html = _client(coord).get(f"/cases/{case.pk}/").content.decode()
    card = re.search(r'<li data-country="MD">(.*?)</li>\s*(?:</ul>|<li)', html, re.S)
    assert card is not None
    assert f'<a href="/cases/inbound/{item.pk}/">Сохранение данных</a>' in card[1], card[1]
    assert "Срок: " in card[1]  # its due date, with its zone
    assert "preservation" not in _text(card[1])
