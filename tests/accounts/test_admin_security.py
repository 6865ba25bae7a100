"""Issue 17, problem 6: the admin shows no second-factor secret, changes roles and
deactivates through the services, and audits every view of a user's security data."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import User
from audit.models import AuditEntry
from tests.accounts.helpers import admin_form_data, create_user, totp_secret, verified_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/accounts/me"


def _bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


# --- the Django admin --------------------------------------------------------------------


def test_admin_never_shows_a_second_factor_secret(client: Client) -> None:
    admin = create_user("a.keys", "admin")
    target = create_user("a.phone", "prosecutor")
    device = TOTPDevice.objects.get(user=target)
    static = StaticDevice.objects.create(user=target, name="backup", confirmed=True)
    StaticToken.objects.create(device=static, token="backupcode42")
    verified_client(client, admin)
    secrets = [device.key, device.key.upper(), totp_secret(target), "backupcode42"]
    pages = [
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        "/admin/otp_static/staticdevice/",
        f"/admin/otp_static/staticdevice/{static.pk}/change/",
        f"/admin/accounts/user/{target.pk}/change/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not any(secret in html for secret in secrets), url
    for url in [
        f"/admin/otp_totp/totpdevice/{device.pk}/config/",
        f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/",
        "/admin/otp_totp/totpdevice/add/",
    ]:
        response = client.get(url, follow=True)
        assert not any(secret in response.content.decode() for secret in secrets), url
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403


def test_admin_views_of_security_data_are_audited_without_secrets(client: Client) -> None:
    admin = create_user("a.watch", "admin")
    target = create_user("a.seen", "prosecutor")
    token, raw = services.token_create(user=target)
    device = TOTPDevice.objects.get(user=target)
    verified_client(client, admin)
    for url in [
        f"/admin/accounts/user/{target.pk}/change/",
        "/admin/accounts/user/",
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        f"/admin/accounts/apitoken/{token.pk}/change/",
        f"/admin/accounts/user/{target.pk}/history/",
    ]:
        assert client.get(url).status_code == 200, url
    viewed = list(
        AuditEntry.objects.filter(action="admin.viewed")
        .order_by("seq")
        .values_list("actor", "object_type", "object_id", "details")
    )
    assert viewed == [
        ("a.watch", "accounts.user", str(target.pk), {"view": "change"}),
        ("a.watch", "accounts.user", "", {"view": "list"}),
        ("a.watch", "otp_totp.totpdevice", "", {"view": "list"}),
        ("a.watch", "otp_totp.totpdevice", str(device.pk), {"view": "change"}),
        ("a.watch", "accounts.apitoken", str(token.pk), {"view": "change"}),
        ("a.watch", "accounts.user", str(target.pk), {"view": "history"}),
    ]
    html = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.token_hash not in html and raw not in html


def test_demoting_an_admin_in_the_admin_goes_through_the_service(client: Client) -> None:
    boss = create_user("a.boss2", "admin")
    demoted = create_user("a.demoted", "admin")
    assert demoted.is_staff and demoted.is_superuser
    verified_client(client, boss)
    url = f"/admin/accounts/user/{demoted.pk}/change/"
    data = admin_form_data(client, url)
    data["role"] = "prosecutor"
    response = client.post(url, data)
    assert response.status_code == 302
    demoted.refresh_from_db()
    assert demoted.role == "prosecutor" and not demoted.is_staff and not demoted.is_superuser
    entry = AuditEntry.objects.filter(action="user.role_changed", object_id="a.demoted").last()
    assert entry is not None and entry.details == {"from": "admin", "to": "prosecutor",
                                                   "via": "admin"}  # fmt: skip
    # A prosecutor cannot be made superuser through the flags: they follow the role.
    data = admin_form_data(client, url)
    data.update({"is_staff": "on", "is_superuser": "on"})
    assert client.post(url, data).status_code == 302
    demoted.refresh_from_db()
    assert not demoted.is_staff and not demoted.is_superuser
    # And the demoted user is out of the admin.
    assert verified_client(Client(), demoted).get("/admin/").status_code == 302


def test_deactivating_in_the_admin_revokes_tokens_and_ends_sessions(client: Client) -> None:
    boss = create_user("a.boss3", "admin")
    leaver = create_user("a.leaver", "prosecutor")
    _token, raw = services.token_create(user=leaver)
    verified_client(client, boss)
    url = f"/admin/accounts/user/{leaver.pk}/change/"
    data = admin_form_data(client, url)
    data.pop("is_active", None)
    assert client.post(url, data).status_code == 302
    leaver.refresh_from_db()
    assert not leaver.is_active and leaver.session_generation == 1
    assert _bearer(raw).get(ME).status_code == 401
    entry = AuditEntry.objects.get(action="user.deactivated", object_id="a.leaver")
    assert entry.details == {"tokens_revoked": 1, "via": "admin"}


def test_totp_reset_from_the_admin_goes_through_the_service(client: Client) -> None:
    boss = create_user("a.boss4", "admin")
    lost = create_user("a.lost", "prosecutor")
    _token, raw = services.token_create(user=lost)
    device = TOTPDevice.objects.get(user=lost)
    verified_client(client, boss)
    response = client.post(
        "/admin/otp_totp/totpdevice/",
        {"action": "reset_totp", "_selected_action": [device.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=lost).exists()
    assert _bearer(raw).get(ME).status_code == 401
    assert User.objects.get(pk=lost.pk).session_generation == 1
    assert AuditEntry.objects.get(action="auth.totp_reset").actor == "a.boss4"
