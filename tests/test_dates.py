"""Days are typed one way on every page: ISO order (2026-03-04), the format written
beside the field in the reader's language, never `<input type="date">` (which Chromium
draws in the browser's locale, not the page's: 03/04/2026 on a Russian page)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from alerts import rota_services
from alerts.models import Override
from audit.models import AuditEntry
from cases.filters import InboundFilter
from tests.accounts.helpers import create_user, verified_client
from tests.alerts.factories import person

pytestmark = pytest.mark.django_db

PAGES = (
    "/cases/",
    "/cases/inbound/",
    "/cases/takedowns/",
    "/alerts/history/",
    "/alerts/rota/night/rotations/new/",
    "/legal-map/",
)


@pytest.mark.parametrize("language, hint", [("ru", "ГГГГ-ММ-ДД"), ("en", "YYYY-MM-DD")])
def test_every_day_field_is_iso_with_its_format_beside_it(language: str, hint: str) -> None:
    client = verified_client(Client(), create_user("d.coord", "coordinator"))
    client.cookies["django_language"] = language
    rota_services.schedule_create(name="night")
    fields = 0
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.content.decode()
        assert 'type="date"' not in html, path
        for tag in re.findall(r'<input[^>]*pattern="\\d\{4\}-\\d\{2\}-\\d\{2\}"[^>]*>', html):
            fields += 1
            described = re.search(r'aria-describedby="([^"]+)"', tag)
            assert described is not None and not re.search(r'type="(?!text")', tag), tag
            assert f'title="{hint}"' in tag, tag
            hint_id = described.group(1).split()[0]
            assert f'id="{hint_id}">{hint}</span>' in html, (path, hint_id)
    assert fields >= 11  # the lists' from/until (4), the board's (2), first day, the map's (2)


def test_an_iso_day_is_read_the_same_on_a_russian_and_an_english_page() -> None:
    from django.utils import translation

    for language in ("ru", "en"):
        with translation.override(language):
            form = InboundFilter({"since": "2026-03-04"}).form
            assert form.is_valid(), form.errors
            assert form.cleaned_data["since"].isoformat() == "2026-03-04"
            widget = str(form["since"])
            assert 'value="2026-03-04"' in widget
    with translation.override("ru"):  # the Russian order is taken too, shown back as ISO
        form = InboundFilter({"since": "04.03.2026"}).form
        assert form.is_valid() and form.cleaned_data["since"].isoformat() == "2026-03-04"


# Date-and-time fields: the audit log's from/until and a rota override's start/end, read
# on the node's clock, which is named beside them.
TIME_HINTS = {
    "ru": "ГГГГ-ММ-ДД ЧЧ:ММ, время Алматы (UTC+5)",
    "en": "YYYY-MM-DD HH:MM, Almaty time (UTC+5)",
}
ALMATY = ZoneInfo("Asia/Almaty")  # UTC+5 all year since 2024-03-01


@pytest.fixture
def almaty(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Almaty"


def _client(username: str, role: str, language: str) -> Client:
    client = verified_client(Client(), create_user(username, role))
    client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_time_field_is_iso_with_its_format_and_zone_beside_it(
    almaty: None, language: str
) -> None:
    rota_services.schedule_create(name="night")
    pages = (
        (_client("t.aud", "auditor", language), "/audit/"),
        (_client("t.coord", "coordinator", language), "/alerts/rota/night/overrides/new/"),
    )
    hint = TIME_HINTS[language]
    for client, path in pages:
        html = client.get(path).content.decode()
        assert "datetime-local" not in html and 'type="date"' not in html, path
        tags = re.findall(r'<input[^>]*name="(?:since|until|start|end)"[^>]*>', html)
        assert len(tags) == 2, (path, tags)
        for tag in tags:
            assert 'type="text"' in tag and f'title="{hint}"' in tag, tag
            assert r'pattern="\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}' in tag, tag
            described = re.search(r'aria-describedby="([^"]+)"', tag)
            assert described is not None, tag
            assert f'id="{described.group(1).split()[-1]}">{hint}</span>' in html, tag


def test_a_time_is_read_in_iso_or_the_russian_order_on_the_node_clock(almaty: None) -> None:
    from django.utils import translation

    from audit.filters import AuditFilter

    meant = datetime(2026, 3, 4, 10, 30, tzinfo=ALMATY)
    typed = {"ru": ("2026-03-04 10:30", "2026-03-04T10:30", "04.03.2026 10:30"),
             "en": ("2026-03-04 10:30", "2026-03-04T10:30")}  # fmt: skip
    for language, values in typed.items():
        with translation.override(language):
            for value in values:
                form = AuditFilter({"since": value}, queryset=AuditEntry.objects.all()).form
                assert form.is_valid(), (language, value, form.errors)
                assert form.cleaned_data["since"] == meant, (language, value)
                assert f'value="{value}"' in str(form["since"]), value  # as typed
    with translation.override("en"):  # the Russian order is not English: an error, not a guess
        form = AuditFilter({"since": "04.03.2026 10:30"}, queryset=AuditEntry.objects.all()).form
        assert not form.is_valid() and "since" in form.errors


@pytest.mark.parametrize(
    "language, error",
    [("ru", "Введите правильную дату и время."), ("en", "Enter a valid date/time.")],
)
def test_a_mistyped_override_time_is_refused_beside_the_field_and_nothing_is_lost(
    almaty: None, language: str, error: str
) -> None:
    rota_services.schedule_create(name="night")
    person("t.cover")  # reachable: an e-mail channel
    client = _client("t.coord", "coordinator", language)
    typed = {"user": "t.cover", "start": "2026-03-04 25:00", "end": "04.03.2026 18:00"}
    if language == "ru":
        typed["end"] = "05.03.2026 18:00"  # the Russian order is taken here
    answer = client.post("/alerts/rota/night/overrides/new/", typed)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert re.search(rf'id="id_start_error"[^>]*>\s*<li>{re.escape(error)}</li>', html), html
    assert 'value="2026-03-04 25:00"' in html  # what was typed, to be corrected
    assert re.search(r'<input[^>]*name="start"[^>]*aria-invalid="true"', html)
    if language == "ru":
        assert 'value="05.03.2026 18:00"' in html and "id_end_error" not in html
    else:  # the Russian order on an English page is refused beside its own field
        assert 'value="04.03.2026 18:00"' in html and 'id="id_end_error"' in html
    assert re.search(r'<option value="t.cover"[^>]*selected', html)
    assert not Override.objects.exists()
    typed.update(start="2026-03-05 10:00", end="2026-03-05T18:00")
    assert client.post("/alerts/rota/night/overrides/new/", typed).status_code == 302
    override = Override.objects.get()
    assert (override.start, override.end) == (
        datetime(2026, 3, 5, 10, tzinfo=ALMATY),
        datetime(2026, 3, 5, 18, tzinfo=ALMATY),
    )
    page = client.get(f"/alerts/rota/night/overrides/{override.pk}/").content.decode()
    assert 'value="2026-03-05 10:00"' in page and 'value="2026-03-05 18:00"' in page  # ISO


@pytest.mark.parametrize(
    "language, error",
    [("ru", "Введите правильную дату и время."), ("en", "Enter a valid date/time.")],
)
def test_a_mistyped_audit_filter_time_is_an_error_beside_it_keeping_the_rest(
    almaty: None, language: str, error: str
) -> None:
    client = _client("t.aud", "auditor", language)
    answer = client.get(
        "/audit/", {"since": "2026-03-04 10:75", "until": "2026-03-05 10:30", "action": "case"}
    )
    html = answer.content.decode()
    assert answer.context["form"].errors.keys() == {"since"}
    assert re.search(rf'id="id_since_error"[^>]*>\s*<li>{re.escape(error)}</li>', html), html
    assert 'value="2026-03-04 10:75"' in html and 'value="2026-03-05 10:30"' in html
    assert 'value="case"' in html


@pytest.mark.parametrize(
    ("language", "seconds", "words"),
    [("ru", 0, "меньше секунды"), ("en", 0.4, "under a second"), ("ru", 45, "45 с"),
     ("en", 3 * 3600 + 300, "3 h 5 min")],
)  # fmt: skip
def test_durations_in_words_never_read_zero_seconds(
    language: str, seconds: float, words: str
) -> None:
    """An acknowledgement awaited since a moment ago is 'under a second', not '0 s'."""
    from django.utils import translation

    from node.templatetags.node_time import duration_words

    with translation.override(language):
        assert duration_words(seconds) == words
