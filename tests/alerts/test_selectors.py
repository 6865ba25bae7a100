"""The alerts read side (alerts.selectors): an alert is seen by whom it paged and by the
coordinators; for anyone else it is a 404 that does not tell it exists."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from alerts import selectors, services
from alerts.models import AlertState, Page
from tests.alerts.factories import person, rota
from tests.readonly import writes_nothing

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict[str, User]:
    return {
        "paged": person("al.paged"),
        "other": person("al.other"),
        "coordinator": person("al.coord", "coordinator"),
        "admin": person("al.admin", "admin"),
        "auditor": person("al.auditor", "auditor"),
    }


def test_an_alert_is_seen_by_whom_it_paged_and_the_coordinators(people: dict[str, User]) -> None:
    alert = services.alert_raise(
        kind="k", title="for one person", urgency="urgent", users=[people["paged"]]
    )
    seeing = {
        name for name, user in people.items() if selectors.alerts_for(user).filter(pk=alert.pk)
    }
    assert seeing == {"paged", "coordinator", "admin"}
    assert selectors.alert_get(people["paged"], alert.pk) == alert
    for name in ("other", "auditor"):
        with pytest.raises(Http404):
            selectors.alert_get(people[name], alert.pk)
    with pytest.raises(Http404):
        selectors.alert_get(people["coordinator"], alert.pk + 1000)


def test_a_member_of_a_group_is_seen_by_whom_its_leader_paged(people: dict[str, User]) -> None:
    """A peer's storm is one page (its group); every member opens for the person paged."""
    rota("al.paged")  # the urgent policy pages whoever is on call
    leader = services.alert_raise(
        kind="inbound_notification", title="one", urgency="urgent", origin="KZ"
    )
    member = services.alert_raise(
        kind="inbound_notification", title="two", urgency="urgent", origin="KZ"
    )
    assert member.group_id == leader.pk
    assert Page.objects.filter(alert=leader, user=people["paged"]).exists()
    assert not Page.objects.filter(alert=member).exists()
    assert selectors.alert_get(people["paged"], member.pk) == member
    with pytest.raises(Http404):
        selectors.alert_get(people["other"], member.pk)
    desk = selectors.desk_alerts(people["paged"])
    assert [a.pk for a in desk.rows] == [leader.pk]  # the group shown once
    assert selectors.unacknowledged_count(people["paged"]) == 1
    assert selectors.unacknowledged_count(people["other"]) == 0


def test_resolved_alerts_leave_the_desk_but_stay_in_the_history(people: dict[str, User]) -> None:
    alert = services.alert_raise(kind="k", title="done", urgency="urgent", users=[people["paged"]])
    services.alert_resolve(alert=alert, actor=people["coordinator"], note="handled")
    assert selectors.desk_alerts(people["paged"]).rows == []
    [shown] = selectors.alert_history(people["paged"])
    assert shown.pk == alert.pk and shown.state == AlertState.RESOLVED


def test_the_read_side_writes_nothing(people: dict[str, User]) -> None:
    """Every selector a page, the escalation or /metrics calls, over a paged alert."""
    rota("al.paged")
    alert = services.alert_raise(
        kind="inbound_notification", title="one", urgency="urgent", origin="KZ", envelope_id="e-1"
    )
    paged, coordinator = people["paged"], people["coordinator"]
    now = timezone.now()
    with writes_nothing():
        assert selectors.on_call_ids("default") == [paged.pk]
        assert selectors.is_on_call(paged) and not selectors.is_on_call(people["other"])
        assert selectors.escalation_policy("urgent") is not None
        assert selectors.active_roles([paged.pk])[paged.pk] == "prosecutor"
        selectors.on_call_view()
        selectors.coordinators_on_duty()
        for user in (paged, coordinator):
            assert selectors.alert_get(user, alert.pk) == alert
            assert [a.pk for a in selectors.desk_alerts(user).rows] == [alert.pk]
            selectors.unacknowledged_count(user)
            list(selectors.alert_history(user))
            list(selectors.paged_object_ids(user, "cases.case"))
        selectors.alert_kinds()
        selectors.group_members(alert)
        selectors.escalation_timeline(alert)
        selectors.next_step_of(alert)
        selectors.ack_receipt(alert)
        selectors.acks_for(["e-1"])
        selectors.peer_contacts("KZ")
        selectors.peer_contacts_by_country()
        selectors.alerts_raised()
        selectors.alerts_unacknowledged(now)
        selectors.acknowledgement_latency([1.0, 60.0])
        selectors.escalation_steps()
