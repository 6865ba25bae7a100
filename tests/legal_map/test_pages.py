"""Explorer and curation pages through real sessions; Russian by default."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from legal_map.models import CuratedEquivalence
from tests import factories
from tests.accounts.helpers import verified_client

pytestmark = pytest.mark.django_db
# The mission example with a minor (v2 facts: MD 220/1's act named, issue 16).
EXAMPLE = (
    "/legal-map/?country=MD&article=220/1&facts=minor_victim&facts=webcam&facts=profit"
    "&facts=sexual_services&facts=pimping&date=2025-03-01"
)


def test_explorer_shows_parts_and_four_countries_in_russian():
    client = verified_client(Client(), factories.user("lm-page-p", "prosecutor"))
    html = client.get(EXAMPLE).content.decode()
    assert "Правовая карта" in html
    for country in ("KZ", "KG", "UZ", "TJ"):
        assert f'data-country="{country}"' in html
    assert 'data-country="MD"' not in html
    assert html.count('class="lm-part"') == 5
    assert "Побуждение, склонение или содействие" in html
    assert "частично проверено" in html  # KZ 312 p.1's v2 label, in Russian
    assert "не проверено (только наводка)" in html  # KZ 312 p.2's
    assert "установлены все обязательные признаки" in html  # reasons in Russian too
    assert "Несовершеннолетняя жертва" in html  # elements by their labels
    # KZ 312 was re-keyed to 312 p.1 and is partly_verified (catalogue v2).
    assert " p.1" not in html.split("<main", 1)[-1].split("</main>")[0]  # parts in Russian
    assert "KZ 312 ч.1 (частично проверено) стоит первой" in html
    assert "факты не образуют состава MD 220/1 ч.1" in html  # a minor: 220/1 not made out
    client.post("/i18n/setlang/", {"language": "en", "next": "/legal-map/"})
    html = client.get(EXAMPLE).content.decode()
    assert "Legal map" in html and "unverified (lead only)" in html
    assert "partly verified" in html


def test_unverified_records_never_carry_the_verified_badge():
    client = verified_client(Client(), factories.user("lm-page-b", "prosecutor"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/legal-map/"})
    html = client.get(EXAMPLE).content.decode()
    # v2 labels: KZ 312 p.2 is unverified, p.1 partly_verified (catalogue v2).
    for part, label in (("2", "unverified"), ("1", "partly_verified")):
        tail = html.split(f'data-article="312" data-part="{part}"', 1)[1]
        block = tail.split("</div>", 1)[0]
        assert f'data-verification="{label}"' in tail[:200]
        assert f'class="badge {label}"' in block
        assert 'class="badge verified_secondary"' not in block
        assert 'class="badge verified_official"' not in block


def test_explorer_bad_article_says_so():
    client = verified_client(Client(), factories.user("lm-page-e", "prosecutor"))
    html = client.get("/legal-map/?country=MD&article=999").content.decode()
    assert 'role="alert"' in html


def test_curation_page_for_coordinators_only():
    prosecutor = verified_client(Client(), factories.user("lm-page-p2", "prosecutor"))
    assert prosecutor.get("/legal-map/curation/").status_code == 403
    coordinator = verified_client(Client(), factories.user("lm-page-c", "coordinator"))
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
    html = bad.content.decode()
    # The error in Russian next to the note, nothing the coordinator typed lost.
    assert 'id="note-error"' in html and 'aria-describedby="note-error"' in html
    assert "note:" not in html and 'value="220/1"' in html and 'value="KZ" selected' in html
    wrong_part = coordinator.post("/legal-map/curation/", {**form, "source_part": "9"})
    assert 'id="source_part-error"' in wrong_part.content.decode()
    assert coordinator.post("/legal-map/curation/", form).status_code == 302
    eq = CuratedEquivalence.objects.get()
    assert AuditEntry.objects.filter(action="legal_map.equivalence_recorded").exists()
    html = coordinator.get(EXAMPLE.replace("minor_victim", "adult_victim")).content.decode()
    assert "desk practice" in html
    assert coordinator.post(f"/legal-map/curation/{eq.pk}/revoke/").status_code == 302
    eq.refresh_from_db()
    assert eq.revoked_at is not None
