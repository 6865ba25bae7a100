"""Services that need no other node: references, mirrors proposed from shared
indicators, the H2 forwarding rule, assignment and its object permissions."""

from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from cases import handling, selectors, services
from cases.matching import store
from cases.models import InboundItem, MirrorProposal, Takedown
from tests import factories
from tests.factories import takedown as make_takedown
from tests.factories import user

pytestmark = pytest.mark.django_db


def _item(handling: str = "H0", origin: str = "KZ", **extra: Any) -> InboundItem:
    return factories.inbound_item(handling=handling, origin=origin, ref="KZ-2026-0007", **extra)


def test_references_count_per_node_and_year():
    owner = user("o", "coordinator")
    refs = [factories.case(owner).reference for _ in range(3)]
    year = timezone.now().year
    assert refs == [f"KZ-{year}-0001", f"KZ-{year}-0002", f"KZ-{year}-0003"]


def test_a_domain_sharing_a_phone_with_an_open_takedown_is_proposed_once():
    coord = user("c", "coordinator")
    takedown = make_takedown(coord, "KZ-TD-2026-0001", destinations=["KG"])
    store([{"kind": "phone", "value": "+37369123456"}], takedown=takedown)
    # A case that repeats the known domain and adds a new one with the same phone.
    factories.case(
        coord,
        indicators=[
            {"kind": "phone", "value": "+37369123456"},
            {"kind": "domain", "value": "models-work.example.md"},
            {"kind": "url", "value": "https://Mirror-Work.example.md/join"},
        ],
    )
    proposals = list(MirrorProposal.objects.all())
    assert [(p.domain, p.shared_kind, p.shared_value) for p in proposals] == [
        ("mirror-work.example.md", "phone", "+37369123456")
    ]
    factories.case(
        coord,
        indicators=[
            {"kind": "phone", "value": "069123456"},
            {"kind": "domain", "value": "mirror-work.example.md"},
        ],
    )
    assert MirrorProposal.objects.count() == 1
    # A closed request proposes nothing.
    Takedown.objects.update(status="closed")
    factories.case(
        coord,
        indicators=[
            {"kind": "phone", "value": "+37369123456"},
            {"kind": "domain", "value": "other.example.md"},
        ],
    )
    assert MirrorProposal.objects.count() == 1


def test_h2_content_is_not_forwarded_to_a_third_country():
    coord = user("c", "coordinator")
    item = _item(handling="H2", origin="MD")
    with pytest.raises(services.ForwardRefused):
        services.inbound_forward(actor=coord, item=item, to=["UZ"], handling="H1")
    derived = factories.case(coord, derived_from=item)
    with pytest.raises(services.ForwardRefused):
        services.case_notify(actor=coord, case=derived, to=["UZ", "MD"], handling="H2")
    back = handling.release([handling.source_of(item)], ["MD"], "H2")
    assert not back.refused  # back to its origin is allowed
    assert not derived.notifications.exists()
    assert not AuditEntry.objects.filter(action="case.notify").exists()


def test_assignment_grants_the_prosecutor_and_the_unit_only():
    coord = user("c", "coordinator")
    p1 = user("p1", "prosecutor", "cyber")
    p2 = user("p2", "prosecutor", "cyber")
    p3 = user("p3", "prosecutor", "fraud")
    item = _item()
    assert not selectors.inbound_for(p1).exists()
    with pytest.raises(services.ServiceError):
        services.inbound_assign(actor=p1, item=item, user=p1)
    services.inbound_assign(actor=coord, item=item, user=p1)
    late = user("p4", "prosecutor", "cyber")  # joined the unit after the grant
    assert [set(selectors.inbound_for(u)) for u in (p1, p2, late, p3)] == [
        {item},
        {item},
        {item},
        set(),
    ]
    item.refresh_from_db()
    assert (item.status, item.unit, item.assigned_to) == ("assigned", "cyber", p1)
    assert AuditEntry.objects.filter(action="inbound.assign", object_id=str(item.pk)).exists()


def test_due_dates_follow_directive_2023_977():
    assert services.DUE_AFTER["immediate"].total_seconds() == 8 * 3600
    assert services.DUE_AFTER["urgent"].days == 3
    assert services.DUE_AFTER["routine"].days == 7


def test_board_orders_steps_by_time_then_lifecycle_and_times_each_step():
    from datetime import timedelta

    from cases.models import TakedownStep
    from cases.takedowns import board

    coord = user("c", "coordinator")
    t = make_takedown(
        coord,
        "KZ-TD-2026-0009",
        targets=[{"domain": "a.kg"}, {"url": "https://b.kg/x"}],
        destinations=["KG", "UZ"],
    )
    start = t.created_at.replace(microsecond=0) + timedelta(seconds=1)
    # Arrived out of order: the decision first, within the same second as the receipt.
    for n, (status, seconds) in enumerate(
        [("blocked", 60), ("under_review", 0), ("received", 0), ("order_issued", 30)]
    ):
        TakedownStep.objects.create(
            takedown=t,
            target="a.kg",
            country="KG",
            status=status,
            at=start + timedelta(seconds=seconds),
            envelope_id=f"e{n}",
        )
    rows = {(r["target"], r["country"]): r for r in board(t)}
    assert set(rows) == {
        ("a.kg", "KG"),
        ("a.kg", "UZ"),
        ("https://b.kg/x", "KG"),
        ("https://b.kg/x", "UZ"),
    }
    kg = rows[("a.kg", "KG")]
    assert [s["status"] for s in kg["steps"]] == [
        "received",
        "under_review",
        "order_issued",
        "blocked",
    ]
    assert [s["took_seconds"] for s in kg["steps"]][1:] == [0, 30, 30]
    assert kg["status"] == "blocked" and rows[("a.kg", "UZ")]["status"] == "sent"
