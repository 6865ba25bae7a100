"""Selectors only read (issue 20, point 4): no grant, no group, no audit entry is written
by a read; unit scoping follows a user's move at once; recording a read is the explicit
`cases.read_services` call."""

from typing import Any

import pytest
from django.http import Http404

from audit.models import AuditEntry
from cases import read_services, selectors
from cases.models import Case, InboundItem
from tests import factories
from tests.readonly import writes_nothing

pytestmark = pytest.mark.django_db


def _case(owner: Any) -> Case:
    return factories.case(owner)


def _item() -> InboundItem:
    return factories.inbound_item()


def test_selectors_write_nothing_not_even_an_audit_entry():
    owner = factories.prosecutor("sw-owner", "cyber")
    reader = factories.prosecutor("sw-reader", "cyber")
    coord = factories.coordinator("sw-coord", "hq")
    case, item = _case(owner), _item()
    entries = AuditEntry.objects.count()
    with writes_nothing():
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
    assert AuditEntry.objects.count() == entries


def test_scope_follows_a_move_to_another_unit_and_reads_still_write_nothing():
    owner_a = factories.prosecutor("sm-a", "cyber")
    owner_b = factories.prosecutor("sm-b", "fraud")
    mover = factories.prosecutor("sm-m", "cyber")
    case_a, case_b = _case(owner_a), _case(owner_b)
    assert selectors.case_get(mover, case_a.pk) == case_a
    with pytest.raises(Http404):
        selectors.case_get(mover, case_b.pk)

    mover.unit = "fraud"
    mover.save()

    with writes_nothing():
        assert [c.pk for c in selectors.case_list(mover)] == [case_b.pk]
        assert selectors.case_get(mover, case_b.pk) == case_b
        with pytest.raises(Http404):
            selectors.case_get(mover, case_a.pk)


def test_a_read_through_the_service_is_recorded_and_a_denied_one_too():
    owner = factories.prosecutor("sr-owner", "cyber")
    outsider = factories.prosecutor("sr-out", "fraud")
    case = _case(owner)

    assert read_services.case_read(actor=owner, pk=case.pk) == case
    with pytest.raises(Http404):
        read_services.case_read(actor=outsider, pk=case.pk)

    reads = AuditEntry.objects.filter(action="case.read").order_by("seq")
    assert [(e.actor, e.object_id, e.outcome) for e in reads] == [
        ("sr-owner", str(case.pk), "success"),
        ("sr-out", str(case.pk), "denied"),
    ]
