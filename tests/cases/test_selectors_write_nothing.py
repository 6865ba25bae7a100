"""Selectors only read (issue 20, point 4): no grant, no group, no audit entry is written
by a read; unit scoping follows a user's move at once; recording a read is the explicit
`cases.read_services` call."""

from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from cases import read_services, selectors, services
from cases.models import Case, InboundItem
from tests.accounts.helpers import create_user
from tests.cases.factories import CASE

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def _case(owner: Any) -> Case:
    fields = {k: CASE[k] for k in ("title", "summary", "offence", "facts", "urgency")}
    return services.case_create(actor=owner, indicators=[], **fields)


def _item(unit: str = "") -> InboundItem:
    return InboundItem.objects.create(
        kind="notification",
        origin="KZ",
        envelope_id="0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e82",
        thread="0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e82",
        handling="H0",
        ref="KZ-2026-0072",
        title="t",
        text="s",
        unit=unit,
        body={"offence": {"country": "KZ", "code": "CC", "article": "309"}, "facts": []},
        received_at=timezone.now(),
    )


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]


def test_selectors_write_nothing_not_even_an_audit_entry():
    owner = create_user("sw-owner", "prosecutor", "cyber")
    reader = create_user("sw-reader", "prosecutor", "cyber")
    coord = create_user("sw-coord", "coordinator", "hq")
    case, item = _case(owner), _item()
    entries = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        for user in (reader, coord):
            assert [c.pk for c in selectors.case_list(user)] == [case.pk]
            assert selectors.case_get(user, case.pk) == case
            list(selectors.inbound_list(user))
            list(selectors.takedowns_for(user))
            selectors.case_destinations(case)
        assert selectors.inbound_get(coord, item.pk) == item
        assert selectors.thread_view(coord, item.thread)["thread"] == item.thread
        with pytest.raises(Http404):
            selectors.inbound_get(reader, item.pk)
    assert _writes(queries) == []
    assert AuditEntry.objects.count() == entries


def test_scope_follows_a_move_to_another_unit_and_reads_still_write_nothing():
    owner_a = create_user("sm-a", "prosecutor", "cyber")
    owner_b = create_user("sm-b", "prosecutor", "fraud")
    mover = create_user("sm-m", "prosecutor", "cyber")
    case_a, case_b = _case(owner_a), _case(owner_b)
    assert selectors.case_get(mover, case_a.pk) == case_a
    with pytest.raises(Http404):
        selectors.case_get(mover, case_b.pk)

    mover.unit = "fraud"
    mover.save()

    with CaptureQueriesContext(connection) as queries:
        assert [c.pk for c in selectors.case_list(mover)] == [case_b.pk]
        assert selectors.case_get(mover, case_b.pk) == case_b
        with pytest.raises(Http404):
            selectors.case_get(mover, case_a.pk)
    assert _writes(queries) == []


def test_a_read_through_the_service_is_recorded_and_a_denied_one_too():
    owner = create_user("sr-owner", "prosecutor", "cyber")
    outsider = create_user("sr-out", "prosecutor", "fraud")
    case = _case(owner)

    assert read_services.case_read(actor=owner, pk=case.pk) == case
    with pytest.raises(Http404):
        read_services.case_read(actor=outsider, pk=case.pk)

    reads = AuditEntry.objects.filter(action="case.read").order_by("seq")
    assert [(e.actor, e.object_id, e.outcome) for e in reads] == [
        ("sr-owner", str(case.pk), "success"),
        ("sr-out", str(case.pk), "denied"),
    ]
