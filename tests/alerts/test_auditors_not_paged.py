"""Auditors see no content, so they are never paged (issue 17, problem 7)."""

import pytest
from django.utils import translation

from accounts import services as accounts_services
from alerts import services
from alerts.models import Page
from tests.alerts.factories import person, rota

pytestmark = pytest.mark.django_db


def test_an_auditor_who_once_owned_a_case_gets_no_page():
    owner = person("ap-owner")
    person("ap-coord", "coordinator")
    rota("ap-coord")
    accounts_services.user_set_role(user=owner, role="auditor")
    alert = services.alert_raise(
        kind="inbound_request", title="about the case", urgency="immediate", users=[owner.pk]
    )
    paged = set(Page.objects.filter(alert=alert).values_list("user__username", flat=True))
    assert "ap-owner" not in paged
    assert paged == {"ap-coord"}


def test_a_rota_with_an_auditor_is_not_published():
    from alerts.errors import AlertsError

    person("ar-aud", "auditor")
    person("ar-coord", "coordinator")
    with translation.override("en"), pytest.raises(AlertsError, match="auditor"):
        rota("ar-aud")


def test_an_auditor_cannot_be_put_on_call():
    from datetime import timedelta

    from django.utils import timezone

    from alerts.errors import AlertsError
    from alerts.models import Schedule

    person("ao-coord", "coordinator")
    person("ao-aud", "auditor")
    rota("ao-coord")
    schedule = Schedule.objects.get(name="default")
    now = timezone.now()
    with translation.override("en"), pytest.raises(AlertsError, match="auditor"):
        services.override_add(
            schedule=schedule, username="ao-aud", start=now, end=now + timedelta(hours=1)
        )
