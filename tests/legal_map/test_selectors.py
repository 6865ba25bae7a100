"""The legal map's reads over the catalogue the migrations load: filters, one article's
parts, the articles of a country in the reader's language, the engine's catalogue; none
of them writes."""

from __future__ import annotations

from typing import Any

import pytest

from legal_map import engine, selectors
from legal_map.models import Offence
from tests.readonly import writes_nothing

pytestmark = pytest.mark.django_db


def test_offences_are_filtered_by_country_in_any_case_and_article_in_any_spelling() -> None:
    with writes_nothing():
        parts = list(selectors.offence_list(country="md", article="220/1"))
        same = selectors.offence_parts("MD", "220/1")
        everything = selectors.offence_list().count()
    assert parts and {(o.country, o.article_key) for o in parts} == {
        ("MD", engine.article_key("220/1"))
    }
    assert [o.pk for o in same] == [o.pk for o in parts]
    assert everything == Offence.objects.count() > len(parts)


@pytest.mark.parametrize(("language", "other"), [("ru", "en"), ("en", "ru")])
def test_a_country_s_articles_once_each_in_the_reader_s_language(language: str, other: str) -> None:
    with writes_nothing():
        articles = selectors.articles_of("KZ", language)
    first: dict[str, Any] = {}
    for o in Offence.objects.filter(country="KZ").order_by("position"):
        first.setdefault(o.article, getattr(o, f"title_{language}") or getattr(o, f"title_{other}"))
    assert articles == list(first.items()) and len(articles) > 1


def test_the_engine_s_catalogue_is_read_without_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Built afresh, not taken from an earlier test's cache: on PostgreSQL the token check
    # alone goes through net247.db.fetch, which the query capture does not see.
    monkeypatch.setattr(selectors, "_cached", None)
    with writes_nothing():
        catalogue = selectors.catalogue()
        tags = selectors.facts_vocabulary()
    assert len(catalogue.offences) == Offence.objects.count()
    assert {"tag", "kind", "label_ru", "label_en"} == set(tags[0])
