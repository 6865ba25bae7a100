"""Days are typed one way on every page: ISO order (2026-03-04), the format written
beside the field in the reader's language, never `<input type="date">` (which Chromium
draws in the browser's locale, not the page's: 03/04/2026 on a Russian page)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from alerts import rota_services
from cases.filters import InboundFilter
from tests.accounts.helpers import create_user, verified_client

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
