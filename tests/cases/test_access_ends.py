"""Access that ends (issue 17, problem 7): a reassigned item leaves its old assignee, a
user moved to another unit leaves the old unit's cases, and reads write no grants."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEntry
from cases import selectors, services
from cases.models import Case, InboundItem
from tests import factories
from tests.accounts.helpers import create_user, verified_client
from tests.factories import bearer

pytestmark = pytest.mark.django_db


def _case(owner: Any) -> Case:
    return factories.case(owner, indicators=[])


def _item() -> InboundItem:
    return factories.inbound_item()


def _api(user: User) -> APIClient:
    client = APIClient()
    client.credentials(**bearer(user))
    return client


def test_reassigned_item_leaves_its_previous_assignee():
    coord = create_user("ra-coord", "coordinator", "hq")
    first = create_user("ra-first", "prosecutor", "cyber")
    second = create_user("ra-second", "prosecutor", "fraud")
    item = _item()
    services.inbound_assign(actor=coord, item=item, user=first)
    old = verified_client(Client(), first)
    assert old.get(f"/cases/inbound/{item.pk}/").status_code == 200
    assert _api(first).get(f"/api/v1/inbound/{item.pk}/").status_code == 200

    services.inbound_assign(actor=coord, item=item, user=second)

    assert old.get(f"/cases/inbound/{item.pk}/").status_code == 404
    assert _api(first).get(f"/api/v1/inbound/{item.pk}/").status_code == 404
    new = verified_client(Client(), second)
    assert new.get(f"/cases/inbound/{item.pk}/").status_code == 200
    assert _api(second).get(f"/api/v1/inbound/{item.pk}/").status_code == 200
    entry = AuditEntry.objects.filter(action="inbound.assign").order_by("-seq").first()
    assert entry is not None
    assert entry.details["revoked_user"] == "ra-first"
    assert entry.details["revoked_unit"] == "cyber"


def test_reassignment_keeps_a_member_of_the_items_unit():
    coord = create_user("rk-coord", "coordinator", "hq")
    first = create_user("rk-first", "prosecutor", "cyber")
    colleague = create_user("rk-second", "prosecutor", "cyber")
    item = _item()
    services.inbound_assign(actor=coord, item=item, user=first)
    services.inbound_assign(actor=coord, item=item, user=colleague)
    assert _api(first).get(f"/api/v1/inbound/{item.pk}/").status_code == 200


def test_user_moved_to_another_unit_sees_the_new_units_cases_only():
    owner_a = create_user("mv-a", "prosecutor", "cyber")
    owner_b = create_user("mv-b", "prosecutor", "fraud")
    mover = create_user("mv-m", "prosecutor", "cyber")
    case_a, case_b = _case(owner_a), _case(owner_b)
    client = _api(mover)
    assert client.get(f"/api/v1/cases/{case_a.pk}/").status_code == 200
    assert client.get(f"/api/v1/cases/{case_b.pk}/").status_code == 404

    mover.unit = "fraud"
    mover.save()

    assert client.get(f"/api/v1/cases/{case_a.pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/{case_b.pk}/").status_code == 200


def test_reading_cases_writes_no_grant():
    owner = create_user("rd-a", "prosecutor", "cyber")
    reader = create_user("rd-r", "prosecutor", "cyber")
    _case(owner)
    with CaptureQueriesContext(connection) as queries:
        listed = list(selectors.case_list(reader))
        list(selectors.inbound_list(reader))
    assert len(listed) == 1
    audit_table = AuditEntry._meta.db_table
    inserts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("INSERT") and audit_table not in q["sql"]
    ]
    assert inserts == []
