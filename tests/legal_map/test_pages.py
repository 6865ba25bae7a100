"""Explorer and curation pages through real sessions; Russian by default."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from legal_map.models import CuratedEquivalence
from tests.legal_map.conftest import make_user, verified

pytestmark = pytest.mark.django_db
EXAMPLE = "/legal-map/?country=MD&article=220/1&facts=minor_victim&facts=online&date=2025-03-01"


def test_explorer_shows_parts_and_four_countries_in_russian():
    client = verified(Client(), make_user("lm-page-p", "prosecutor"))
    html = client.get(EXAMPLE).content.decode()
    assert "Правовая карта" in html
    for country in ("KZ", "KG", "UZ", "TJ"):
        assert f'data-country="{country}"' in html
    assert 'data-country="MD"' not in html
    assert html.count('class="lm-part"') == 5
    assert "Побуждение, склонение или содействие" in html
    assert "не проверено" in html  # KZ 312's label, in Russian
    assert "установлены все обязательные признаки" in html  # reasons in Russian too
    assert "Несовершеннолетняя жертва" in html  # elements by their labels
    assert "KZ 312 (не проверено (только наводка)) стоит первой" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/legal-map/"})
    html = client.get(EXAMPLE).content.decode()
    assert "Legal map" in html and "unverified (lead only)" in html


def test_unverified_records_never_carry_the_verified_badge():
    client = verified(Client(), make_user("lm-page-b", "prosecutor"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/legal-map/"})
    html = client.get(EXAMPLE).content.decode()
    block = html.split('data-article="312"', 1)[1].split("</div>", 1)[0]
    assert 'data-verification="unverified_memory"' in html.split('data-article="312"', 1)[1][:200]
    assert 'class="badge unverified_memory"' in block
    assert 'class="badge verified"' not in block


def test_explorer_bad_article_says_so():
    client = verified(Client(), make_user("lm-page-e", "prosecutor"))
    html = client.get("/legal-map/?country=MD&article=999").content.decode()
    assert 'role="alert"' in html


def test_curation_page_for_coordinators_only():
    prosecutor = verified(Client(), make_user("lm-page-p2", "prosecutor"))
    assert prosecutor.get("/legal-map/curation/").status_code == 403
    coordinator = verified(Client(), make_user("lm-page-c", "coordinator"))
    assert coordinator.get("/legal-map/curation/").status_code == 200
    form = {
        "source_country": "MD",
        "source_article": "220/1",
        "source_part": "",
        "target_country": "KZ",
        "target_article": "308",
        "target_part": "",
        "kind": "pin",
        "note": "desk practice",
    }
    bad = coordinator.post("/legal-map/curation/", {**form, "note": ""})
    assert bad.status_code == 400 and CuratedEquivalence.objects.count() == 0
    assert coordinator.post("/legal-map/curation/", form).status_code == 302
    eq = CuratedEquivalence.objects.get()
    assert AuditEntry.objects.filter(action="legal_map.equivalence_recorded").exists()
    html = coordinator.get(EXAMPLE.replace("minor_victim", "adult_victim")).content.decode()
    assert "desk practice" in html
    assert coordinator.post(f"/legal-map/curation/{eq.pk}/revoke/").status_code == 302
    eq.refresh_from_db()
    assert eq.revoked_at is not None
