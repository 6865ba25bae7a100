"""The alerts read side (alerts.selectors): an alert is seen by whom it paged and by the
coordinators; for anyone else it is a 404 that does not tell it exists."""

from __future__ import annotations

import pytest
from django.http import Http404

from accounts.models import User
from alerts import selectors, services
from alerts.models import AlertState, Page
from tests.alerts.factories import person, rota

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
