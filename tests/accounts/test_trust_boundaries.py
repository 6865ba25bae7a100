"""Issue 17: tokens with an expiry and a scope, sessions that end together with the
tokens, the user's own password change, and an admin that shows no secret and audits
what it shows. Real pages and API through Django's test client; real services."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import ApiToken, User
from audit.models import AuditEntry
from node.templatetags.node_time import zoned
from tests.accounts.helpers import PASSWORD, create_user, verified_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/accounts/me"
TICKET = "/api/v1/alerts/ws-ticket/"


def _bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _actions(**filters: Any) -> list[str]:
    return list(
        AuditEntry.objects.filter(**filters).order_by("seq").values_list("action", flat=True)
    )


# --- sessions and tokens end together ----------------------------------------------------


def test_log_out_everywhere_on_the_page_also_revokes_the_api_tokens(client: Client) -> None:
    user = create_user("p.out", "prosecutor")
    _token, raw = services.token_create(user=user, name="cron")
    assert _bearer(raw).get(ME).status_code == 200
    other = verified_client(Client(), user)
    verified_client(client, user)
    assert client.post("/accounts/logout-everywhere/").status_code == 302
    assert _bearer(raw).get(ME).status_code == 401
    assert other.get("/accounts/")["Location"].startswith("/accounts/login/")
    entry = AuditEntry.objects.get(action="auth.logout_everywhere")
    assert entry.details["tokens_revoked"] == 1


def test_a_totp_reset_ends_sessions_and_revokes_the_api_tokens() -> None:
    user = create_user("p.phone", "prosecutor")
    _token, raw = services.token_create(user=user)
    session = verified_client(Client(), user)
    call_command("user", "reset-totp", "--username", "p.phone", stdout=StringIO())
    assert _bearer(raw).get(ME).status_code == 401
    assert session.get("/accounts/")["Location"].startswith("/accounts/login/")
    assert not TOTPDevice.objects.filter(user=user).exists()


# --- token expiry and scope ----------------------------------------------------------------


def test_a_token_stops_working_when_it_expires() -> None:
    user = create_user("p.exp", "prosecutor")
    token, raw = services.token_create(user=user, expires_days=1)
    assert timedelta(hours=23) < token.expires_at - timezone.now() <= timedelta(days=1)
    assert _bearer(raw).get(ME).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _bearer(raw).get(ME)
    assert response.status_code == 401 and "expired" in response.json()["detail"]


@pytest.mark.parametrize("days", [0, -5, services.TOKEN_MAX_DAYS + 1])
def test_a_token_expiry_is_bounded(days: int) -> None:
    user = create_user("p.bound", "prosecutor")
    with pytest.raises(services.AccountError):
        services.token_create(user=user, expires_days=days)
    assert not ApiToken.objects.exists()


def test_a_read_token_is_refused_unsafe_methods_with_403() -> None:
    user = create_user("p.scope", "prosecutor")
    read = services.token_create(user=user, scope="read")[1]
    write = services.token_create(user=user, scope="write")[1]
    assert _bearer(read).get(ME).status_code == 200
    refused = _bearer(read).post(TICKET, content_type="application/json", data={})
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
    assert _bearer(read).delete(ME).status_code == 403
    assert _bearer(write).post(TICKET, content_type="application/json", data={}).status_code in (
        200,
        201,
    )
    with pytest.raises(services.AccountError):
        services.token_create(user=user, scope="admin")


def test_token_command_takes_scope_and_expiry() -> None:
    create_user("c.scoped", "prosecutor")
    out = StringIO()
    call_command("token", "create", "--user", "c.scoped", "--scope", "read", "--expires-days",
                 "7", stdout=out, stderr=StringIO())  # fmt: skip
    raw = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.scope == "read"
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    assert _bearer(raw).post(TICKET, content_type="application/json", data={}).status_code == 403
    listing = StringIO()
    call_command("token", "list", "--user", "c.scoped", stdout=listing)
    assert "\tread\t" in listing.getvalue() and "expires " in listing.getvalue()
    with pytest.raises(CommandError, match="365"):
        call_command("token", "create", "--user", "c.scoped", "--expires-days", "400",
                     stdout=StringIO(), stderr=StringIO())  # fmt: skip
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", "c.scoped", "--scope", "all",
                     stdout=StringIO(), stderr=StringIO())  # fmt: skip


def test_account_page_creates_a_scoped_token_and_lists_scope_and_expiry(client: Client) -> None:
    user = create_user("p.list", "prosecutor")
    verified_client(client, user)
    page = client.get("/accounts/")
    assert page.context["form"]["scope"].value() == "read"
    created = client.post("/accounts/", {"name": "report", "scope": "read", "expires_days": "30"})
    assert created.status_code == 201
    token = ApiToken.objects.get(user=user)
    assert token.scope == "read"
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    client.cookies["django_language"] = "en"
    html = client.get("/accounts/").content.decode()
    assert "read only" in html and "Expires" in html
    assert zoned(token.expires_at) in html
    # An expired token is no longer listed.
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "report" not in client.get("/accounts/").content.decode()
    refused = client.post("/accounts/", {"name": "x", "scope": "read", "expires_days": "1000"})
    assert refused.status_code == 400 and ApiToken.objects.count() == 1


# --- the user's own password -------------------------------------------------------------


NEW_PASSWORD = "Another-long-passphrase-7"


def test_password_change_keeps_this_session_and_ends_the_others(client: Client) -> None:
    user = create_user("p.pw", "prosecutor")
    _token, raw = services.token_create(user=user)
    other = verified_client(Client(), user)
    verified_client(client, user)
    assert 'href="/accounts/password/"' in client.get("/accounts/").content.decode()
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert client.get("/accounts/").status_code == 200
    assert other.get("/accounts/")["Location"].startswith("/accounts/login/")
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert _bearer(raw).get(ME).status_code == 200  # tokens are not passwords
    entry = AuditEntry.objects.get(action="auth.password_changed")
    assert entry.actor == "p.pw"
    assert PASSWORD not in str(entry.details) and NEW_PASSWORD not in str(entry.details)


def test_password_change_refuses_a_wrong_current_password_and_weak_ones(client: Client) -> None:
    user = create_user("p.pw2", "prosecutor")
    verified_client(client, user)
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "not-it-at-all", "new_password1": NEW_PASSWORD,
         "new_password2": NEW_PASSWORD},
    )  # fmt: skip
    assert wrong.status_code == 400
    assert "auth.password_change_failed" in _actions(object_id="p.pw2")
    short = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Short-1", "new_password2": "Short-1"},
    )
    assert short.status_code == 400 and "new_password2" in short.context["form"].errors
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert "auth.password_changed" not in _actions()


def test_password_change_needs_the_second_factor(client: Client) -> None:
    user = create_user("p.pw3", "prosecutor")
    client.post("/accounts/login/", {"username": "p.pw3", "password": PASSWORD})
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and "/accounts/totp/" in response["Location"]
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
