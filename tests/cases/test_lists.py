"""The case and received-item lists: each filter narrows, bad values are errors (not 500s
nor silent), pages are counted and stable, and the page and the API list the same rows."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases.filters import CaseFilter, InboundFilter
from cases.models import Case, InboundItem
from node import places
from tests.accounts.helpers import create_user, verified_client
from tests.factories import bearer

pytestmark = pytest.mark.django_db


def _local(day: str, hour: int) -> datetime:
    """An instant on the node's clock (what a user means by a date in a filter)."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=places.zone_of(None))


def _cases(owner: Any, rows: list[dict[str, Any]]) -> list[Case]:
    made = Case.objects.bulk_create(
        Case(
            reference=f"KZ-2026-{n:04d}",
            title=row.get("title", f"Case {n}"),
            summary="s",
            offence_country="KZ",
            offence_article="309",
            urgency=row.get("urgency", "routine"),
            status=row.get("status", "open"),
            created_by=owner,
        )
        for n, row in enumerate(rows, start=1)
    )
    for case, row in zip(made, rows, strict=True):
        if "at" in row:
            Case.objects.filter(pk=case.pk).update(created_at=row["at"])
    return made


def _items(rows: list[dict[str, Any]]) -> list[InboundItem]:
    now = timezone.now()
    return InboundItem.objects.bulk_create(
        InboundItem(
            kind=row.get("kind", "notification"),
            origin=row.get("origin", "MD"),
            envelope_id=str(uuid.uuid4()),
            thread=str(uuid.uuid4()),
            handling="H0",
            ref=row.get("ref", f"MD-2026-{n:04d}"),
            title=row.get("title", f"Item {n}"),
            body={},
            urgency=row.get("urgency", "routine"),
            status=row.get("status", "new"),
            received_at=row.get("at", now - timedelta(minutes=n)),
        )
        for n, row in enumerate(rows, start=1)
    )


def _auth(user: Any) -> dict[str, str]:
    return {"Authorization": bearer(user)["HTTP_AUTHORIZATION"]}


def _refs(qs: Any) -> set[str]:
    return {getattr(row, "reference", None) or row.ref for row in qs}


def test_each_case_filter_narrows() -> None:
    owner = create_user("lc.coord", "coordinator")
    _cases(
        owner,
        [
            {"title": "Phishing of bank customers", "urgency": "urgent",
             "at": _local("2026-03-01", 0)},
            {"title": "Forged documents", "status": "closed", "at": _local("2026-03-01", 23)},
            {"title": "Webcam PHISHING ring", "urgency": "immediate",
             "at": _local("2026-03-02", 0)},
        ],
    )  # fmt: skip
    qs = Case.objects.all()

    def refs(**data: str) -> set[str]:
        f = CaseFilter(data, queryset=qs)
        assert f.is_valid(), f.errors
        return _refs(f.qs)

    assert refs() == {"KZ-2026-0001", "KZ-2026-0002", "KZ-2026-0003"}
    assert refs(status="closed") == {"KZ-2026-0002"}
    assert refs(urgency="urgent") == {"KZ-2026-0001"}
    assert refs(q="phishing") == {"KZ-2026-0001", "KZ-2026-0003"}
    assert refs(q="2026-0002") == {"KZ-2026-0002"}
    # Whole days on the node's clock: 1 March includes 00:00 and 23:00, not 2 March 00:00.
    assert refs(since="2026-03-01", until="2026-03-01") == {"KZ-2026-0001", "KZ-2026-0002"}
    assert refs(since="2026-03-02") == {"KZ-2026-0003"}
    assert refs(q="phishing", urgency="immediate") == {"KZ-2026-0003"}


def test_each_inbound_filter_narrows_and_auditors_cannot_search_content() -> None:
    _items(
        [
            {"kind": "request", "origin": "MD", "ref": "MD-R-1", "title": "Bank fraud"},
            {"kind": "takedown", "origin": "KG", "urgency": "immediate", "status": "closed"},
            {"kind": "notification", "origin": "UZ", "at": _local("2025-12-31", 12)},
        ]
    )
    qs = InboundItem.objects.all()

    def refs(**data: str) -> set[str]:
        f = InboundFilter(data, queryset=qs)
        assert f.is_valid(), f.errors
        return _refs(f.qs)

    assert refs(kind="request") == {"MD-R-1"}
    assert refs(origin="KG") == {"MD-2026-0002"}
    assert refs(urgency="immediate") == refs(status="closed") == {"MD-2026-0002"}
    assert refs(q="fraud") == refs(q="md-r") == {"MD-R-1"}
    assert refs(until="2025-12-31") == {"MD-2026-0003"}
    assert refs(since="2026-01-01") == {"MD-R-1", "MD-2026-0002"}

    class _Request:
        user = create_user("lc.aud", "auditor")

    assert "q" not in InboundFilter({}, queryset=qs, request=_Request()).filters


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "under_review"}, "status"),
        ({"since": "yesterday"}, "since"),
        ({"until": "0001-01-01"}, "until"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "until"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_invalid_filters_are_errors_on_the_page_and_400_on_the_api(
    query: dict[str, str], field: str
) -> None:
    coord = create_user(f"lc.bad.{field}", "coordinator")
    _cases(coord, [{"title": "Listed only when the filters are valid"}])
    page = verified_client(Client(), coord).get("/cases/", query)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html
    assert "Исправьте отмеченные фильтры" in html
    assert "Listed only when the filters are valid" not in html
    for name, value in query.items():  # what the user typed is kept in the form
        if name != "status":  # a choice that does not exist cannot be shown selected
            assert f'value="{value}"' in html
    api = Client().get("/api/v1/cases/", query, headers=_auth(coord))
    assert api.status_code == 400, api.content
    assert field in api.json()


def test_pages_are_counted_complete_and_stable() -> None:
    """More rows than the old silent cap of 200; equal times still have one order."""
    coord = create_user("lc.pages", "coordinator")
    _cases(coord, [{"title": f"Row {n}"} for n in range(230)])
    same = timezone.now() - timedelta(days=1)
    Case.objects.update(created_at=same)  # every tie broken by id, newest id first
    client = verified_client(Client(), coord)
    seen: list[int] = []
    for number in range(1, 6):
        response = client.get("/cases/", {"page": str(number), "status": "open"})
        page = response.context["list"].page
        assert page.paginator.count == 230 and page.paginator.num_pages == 5
        seen += [c.pk for c in page.object_list]
    assert len(seen) == 230 and len(set(seen)) == 230
    assert seen == sorted(seen, reverse=True)
    last = client.get("/cases/", {"page": "5", "status": "open"}).content.decode()
    assert "230 дел" in last and "Страница 5 из 5" in last
    assert "status=open&amp;page=4" in last  # the filter travels with the pages


def test_the_page_and_the_api_list_the_same_rows_for_the_same_filters() -> None:
    coord = create_user("lc.parity", "coordinator")
    _cases(
        coord,
        [
            {"title": f"{'Fraud' if n % 3 else 'Other'} {n}",
             "status": "closed" if n % 4 else "open",
             "urgency": ["routine", "urgent", "immediate"][n % 3],
             "at": _local("2026-02-01", 0) + timedelta(hours=7 * n)}
            for n in range(60)
        ],
    )  # fmt: skip
    _items(
        [
            {"kind": ["request", "takedown"][n % 2], "origin": ["MD", "KG", "UZ"][n % 3],
             "title": f"{'Fraud' if n % 2 else 'Other'} {n}",
             "at": _local("2026-02-01", 0) + timedelta(hours=5 * n)}
            for n in range(60)
        ]
    )  # fmt: skip
    page_client = verified_client(Client(), coord)
    token = _auth(coord)
    lists: list[tuple[str, str, list[dict[str, str]]]] = [
        ("/cases/", "/api/v1/cases/",
         [{}, {"status": "closed"}, {"q": "fraud", "urgency": "urgent"},
          {"since": "2026-02-05", "until": "2026-02-10"}]),
        ("/cases/inbound/", "/api/v1/inbound/",
         [{"origin": "KG"}, {"kind": "takedown", "q": "fraud"},
          {"since": "2026-02-03", "origin": "MD"}]),
    ]  # fmt: skip
    for path, api, queries in lists:
        for query in queries:
            listing = page_client.get(path, query).context["list"]
            on_page = [row.pk for row in listing.page.object_list]
            answer = Client().get(api, {**query, "limit": "500"}, headers=token).json()
            assert answer["count"] == listing.page.paginator.count, (path, query)
            assert [row["id"] for row in answer["results"]][: len(on_page)] == on_page
            assert 0 < answer["count"] < 60 or query == {}


def test_htmx_gets_the_listing_alone_and_the_page_works_without_it() -> None:
    coord = create_user("lc.htmx", "coordinator")
    _cases(coord, [{"title": "Visible both ways"}])
    client = verified_client(Client(), coord)
    full = client.get("/cases/", {"status": "open"})
    partial = client.get("/cases/", {"status": "open"}, headers={"HX-Request": "true"})
    assert "<html" in full.content.decode() and 'id="listing"' in full.content.decode()
    body = partial.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<div id="listing"')
    assert "Visible both ways" in body and "HX-Request" in partial["Vary"]
    assert 'method="get"' in full.content.decode()  # a plain GET form without JS


def test_a_prosecutors_inbound_page_lists_exactly_their_scope_on_every_page() -> None:
    from cases import access

    prosecutor = create_user("lc.scope", "prosecutor")
    items = _items([{"ref": f"MD-2026-{n:04d}"} for n in range(60)])
    for item in items[:55]:  # two pages of what they may see, and five they may not
        access.grant("view_inbounditem", item, users=[prosecutor])
    client = verified_client(Client(), prosecutor)
    hidden = {item.ref for item in items[55:]}
    for query in ({}, {"page": "2"}, {"kind": "notification"}):
        response = client.get("/cases/inbound/", query)
        assert response.status_code == 200
        assert response.context["list"].page.paginator.count == 55
        assert not hidden & {row.ref for row in response.context["list"].page}
