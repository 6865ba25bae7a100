"""Pages through a real session that passed password and TOTP; Russian by default."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from cases.models import Case
from tests import factories
from tests.accounts.helpers import create_user, verified_client

pytestmark = pytest.mark.django_db


def _case(owner: Any) -> Case:
    return factories.case(owner, indicators=[{"kind": "phone", "value": "+37369123456"}])


def test_case_pages_scoped_and_translated():
    p1 = create_user("pp1", "prosecutor", "cyber")
    p3 = create_user("pp3", "prosecutor", "fraud")
    case = _case(p1)
    mine = verified_client(Client(), p1)
    page = mine.get("/cases/")
    assert page.status_code == 200
    assert case.reference in page.content.decode() and "Дела" in page.content.decode()
    detail = mine.get(f"/cases/{case.pk}/")
    assert "+37369123456" in detail.content.decode()
    mine.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    assert "Indicators" in mine.get(f"/cases/{case.pk}/").content.decode()
    other = verified_client(Client(), p3)
    assert other.get(f"/cases/{case.pk}/").status_code == 404
    assert case.reference not in other.get("/cases/").content.decode()


def test_auditor_cannot_open_case_pages():
    p1 = create_user("pa1", "prosecutor", "cyber")
    aud = create_user("aud1", "auditor")
    case = _case(p1)
    client = verified_client(Client(), aud)
    assert client.get("/cases/").status_code == 403
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_statistics_page_charts_the_steps_with_a_table_beside():
    coord = create_user("pc1", "coordinator", "hq")
    t = factories.takedown(
        coord,
        "KG-TD-2026-0001",
        targets=[{"domain": "a.example"}],
        legal_country="KG",
        legal_article="1",
        destinations=["KZ", "UZ"],
    )
    for country, hours in [("KZ", 2), ("UZ", 6)]:
        factories.takedown_step(t, "a.example", country, "blocked", timedelta(hours=hours))
    html = verified_client(Client(), coord).get("/cases/takedowns/statistics/").content.decode()
    assert '<canvas id="td-trend"' in html and 'id="td-trend-data"' in html
    assert "Казахстан" in html and "2 ч" in html and "6 ч" in html


def test_case_form_creates_with_the_api_rules_and_refuses_bad_input():
    p1 = create_user("pf1", "prosecutor", "cyber")
    client = verified_client(Client(), p1)
    form = {
        "title": "Webcam studio",
        "summary": "Adverts",
        "offence": "MD|MD CC 18.04.2002 No.985-XV|220/1|1",
        "facts": ["adult_victim", "online"],
        "urgency": "urgent",
        "handling": "H0",
        "indicators": "phone: +373 69 123 456\ntelegram: @Studio",
    }
    bad = client.post("/cases/new/", {**form, "indicators": "phone: not-a-number"})
    assert bad.status_code == 400 and "не номер телефона" in bad.content.decode()
    assert not Case.objects.exists()
    ok = client.post("/cases/new/", form)
    case = Case.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/cases/{case.pk}/"
    assert sorted(case.indicators.values_list("value", flat=True)) == ["+37369123456", "studio"]
