"""Accounts' reads: who holds a role, which tokens still work, whether a live connection's
session still stands; none of them writes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import selectors, services
from accounts.models import ApiToken, User
from tests import factories
from tests.readonly import writes_nothing

pytestmark = pytest.mark.django_db


def test_users_by_role_holds_the_role_exactly_and_the_active_by_default() -> None:
    factories.coordinator("c.b"), factories.coordinator("c.a"), factories.admin("c.admin")
    gone = factories.coordinator("c.gone")
    services.user_deactivate(user=gone)
    with writes_nothing():
        active = [u.username for u in selectors.users_by_role("coordinator")]
        every = [u.username for u in selectors.users_by_role("coordinator", active_only=False)]
        people = set(selectors.people().values_list("username", flat=True))
    assert active == ["c.a", "c.b"] and every == ["c.a", "c.b", "c.gone"]
    assert "AnonymousUser" not in people and "c.admin" in people


def test_active_tokens_leave_out_the_revoked_and_the_expired() -> None:
    owner, other = factories.prosecutor("t.owner"), factories.prosecutor("t.other")
    services.token_create(user=owner, name="live")
    revoked, _ = services.token_create(user=owner, name="revoked")
    expired, _ = services.token_create(user=owner, name="expired")
    services.token_create(user=other, name="someone else's")
    services.token_revoke(token_id=revoked.pk, user=owner)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with writes_nothing():
        assert [t.name for t in selectors.active_tokens(owner)] == ["live"]


@pytest.mark.parametrize("end", ["logout_everywhere", "deactivate"])
def test_a_session_stops_standing_once_the_user_s_sessions_end(end: str) -> None:
    user: User = factories.prosecutor(f"s.{end}")
    generation = user.session_generation
    with writes_nothing():
        assert selectors.session_current(user.pk, generation)
    ends: dict[str, Any] = {
        "logout_everywhere": lambda: services.logout_everywhere(user=user),
        "deactivate": lambda: services.user_deactivate(user=user),
    }
    ends[end]()
    with writes_nothing():
        assert not selectors.session_current(user.pk, generation)
        assert not selectors.session_current(user.pk + 1000, generation)


def test_a_confirmed_second_factor_is_seen_and_the_demo_code_is_off_by_default() -> None:
    with_totp = factories.prosecutor("f.with")
    without = factories.prosecutor("f.without", totp=False)
    with writes_nothing():
        assert selectors.has_confirmed_totp(with_totp)
        assert not selectors.has_confirmed_totp(without)
        assert selectors.demo_current_code(with_totp) is None
