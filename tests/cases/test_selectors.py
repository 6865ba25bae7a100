"""The cases read side (cases.selectors): who sees which case, received item and takedown,
and the 404 (existence not disclosed) for everyone else; the audited reads
(cases.read_services) record the refusals and the filters asked for."""

from __future__ import annotations

import pytest
from django.http import Http404

from accounts.models import User
from audit.models import AuditEntry
from cases import read_services, selectors, services
from cases.models import InboundItem
from tests import factories

pytestmark = pytest.mark.django_db
People = dict[str, User]


@pytest.fixture
def people() -> dict[str, User]:
    return {
        "owner": factories.prosecutor("sel.owner", "cyber"),
        "colleague": factories.prosecutor("sel.colleague", "cyber"),
        "stranger": factories.prosecutor("sel.stranger", "fraud"),
        "coordinator": factories.coordinator("sel.coord"),
        "auditor": factories.auditor("sel.auditor"),
    }


def reads(action: str, object_id: object, outcome: str) -> int:
    return AuditEntry.objects.filter(
        action=action, object_id=str(object_id), outcome=outcome
    ).count()


def test_a_case_is_seen_by_its_unit_and_the_coordinators_only(people: People) -> None:
    case = factories.case(people["owner"])
    seeing = {name for name, user in people.items() if selectors.cases_for(user).filter(pk=case.pk)}
    assert seeing == {"owner", "colleague", "coordinator"}


def test_a_case_outside_the_scope_is_404_and_the_refusal_is_audited(people: People) -> None:
    case = factories.case(people["owner"])
    for name in ("stranger", "auditor"):
        with pytest.raises(Http404):
            selectors.case_get(people[name], case.pk)
        with pytest.raises(Http404):
            read_services.case_read(actor=people[name], pk=case.pk)
    assert reads("case.read", case.pk, "denied") == 2
    assert selectors.case_get(people["colleague"], case.pk) == case
    assert read_services.case_read(actor=people["colleague"], pk=case.pk) == case
    assert reads("case.read", case.pk, "success") == 1


def test_a_case_that_does_not_exist_is_the_same_404_even_for_a_coordinator(people: People) -> None:
    with pytest.raises(Http404):
        selectors.case_get(people["coordinator"], 987654)
    with pytest.raises(Http404):
        read_services.case_read(actor=people["coordinator"], pk=987654)
    assert reads("case.read", 987654, "denied") == 1


def test_case_list_holds_the_scope_and_audits_the_filters(people: People) -> None:
    mine = factories.case(people["owner"])
    theirs = factories.case(people["stranger"])
    listed = list(
        read_services.case_list_read(actor=people["colleague"], filters={"status": "open"})
    )
    assert listed == [mine]
    assert {c.pk for c in selectors.case_list(people["coordinator"])} == {mine.pk, theirs.pk}
    entry = AuditEntry.objects.filter(action="case.list").order_by("seq").first()
    assert entry is not None and entry.details["filters"] == {"status": "open"}


def received() -> InboundItem:
    return factories.inbound_item()


def test_a_received_item_is_seen_once_assigned_by_its_assignee_s_unit(people: People) -> None:
    item = received()
    with pytest.raises(Http404):
        selectors.inbound_get(people["owner"], item.pk)
    assert selectors.inbound_get(people["coordinator"], item.pk) == item
    services.inbound_assign(actor=people["coordinator"], item=item, user=people["owner"])
    assert selectors.inbound_get(people["owner"], item.pk) == item
    assert selectors.inbound_get(people["colleague"], item.pk) == item
    for name in ("stranger", "auditor"):
        with pytest.raises(Http404):
            read_services.inbound_read(actor=people[name], pk=item.pk)
    assert reads("inbound.read", item.pk, "denied") == 2


def test_auditors_list_received_items_for_metadata_but_cannot_open_one(people: People) -> None:
    item = received()
    assert list(selectors.inbound_list(people["auditor"])) == [item]
    assert list(selectors.inbound_list(people["stranger"])) == []
    with pytest.raises(Http404):
        selectors.inbound_get(people["auditor"], item.pk)


def test_a_takedown_is_seen_by_who_filed_it_and_the_coordinators(people: People) -> None:
    takedown = factories.takedown(people["owner"], "KZ-TD-2026-0001")
    assert selectors.takedown_get(people["owner"], takedown.pk) == takedown
    assert selectors.takedown_get(people["coordinator"], takedown.pk) == takedown
    for name in ("stranger", "auditor"):
        with pytest.raises(Http404):
            selectors.takedown_get(people[name], takedown.pk)
    assert list(selectors.takedowns_for(people["auditor"])) == []
