"""Auditors see no content, so they are never paged (issue 17, problem 7)."""

import pytest

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


def test_an_auditor_on_the_rota_is_never_paged():
    person("ar-aud", "auditor")
    person("ar-coord", "coordinator")
    rota("ar-aud")
    alert = services.alert_raise(kind="k", title="t", urgency="immediate")
    paged = set(Page.objects.filter(alert=alert).values_list("user__username", flat=True))
    assert paged == {"ar-coord"}
