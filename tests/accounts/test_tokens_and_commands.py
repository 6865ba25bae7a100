"""API tokens (Bearer), the tokens page, the `user` and `token` commands, admin audit."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors, services
from accounts.models import ApiToken, User
from accounts.tokens import token_hash
from audit.models import AuditEntry
from tests.accounts.helpers import (
    PASSWORD,
    admin_form_data,
    code_for_secret,
    create_user,
    verified_client,
)


def _bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.django_db
def test_bearer_token_authenticates_until_revoked():
    user = create_user("p.api", "prosecutor", unit="Almaty")
    token, raw = services.token_create(user=user, name="script")
    assert ApiToken.objects.get().token_hash == token_hash(raw) != raw
    response = _bearer(raw).get("/api/v1/accounts/me")
    assert response.status_code == 200
    assert response.json() == {"username": "p.api", "role": "prosecutor", "unit": "Almaty"}
    token.refresh_from_db()
    assert token.last_used_at is not None

    assert _bearer(raw + "x").get("/api/v1/accounts/me").status_code == 401
    assert Client().get("/api/v1/accounts/me").status_code in (401, 403)
    services.token_revoke(token_id=token.pk, user=user)
    assert _bearer(raw).get("/api/v1/accounts/me").status_code == 401
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions[-2:] == ["token.created", "token.revoked"]
    assert raw not in str(list(AuditEntry.objects.values_list("details", flat=True)))


@pytest.mark.django_db
def test_deactivated_users_token_stops_working():
    user = create_user("p.api2", "prosecutor")
    _token, raw = services.token_create(user=user)
    services.user_deactivate(user=user)
    assert _bearer(raw).get("/api/v1/accounts/me").status_code == 401


@pytest.mark.django_db
def test_my_account_page_creates_shows_once_and_revokes(client):
    user = create_user("p.page", "auditor")
    verified_client(client, user)
    page = client.get("/accounts/")
    assert page.status_code == 200 and page.context["totp_confirmed"] is True
    created = client.post(
        "/accounts/", {"name": "nightly export", "scope": "write", "expires_days": "90"}
    )
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    raw = created.context["new_token"]
    assert raw in created.content.decode()
    assert _bearer(raw).get("/api/v1/accounts/me").json()["username"] == "p.page"
    assert raw not in client.get("/accounts/").content.decode()

    intruder = verified_client(Client(), create_user("p.intruder", "prosecutor"))
    token = ApiToken.objects.get(user=user)
    intruder.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert _bearer(raw).get("/api/v1/accounts/me").status_code == 200

    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert _bearer(raw).get("/api/v1/accounts/me").status_code == 401


@pytest.mark.django_db
def test_user_create_command(tmp_path: Path, no_otp_throttle, mid_step):
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD + "\n")
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    secret_file = tmp_path / "totp"
    secret_file.write_text(secret)
    out = StringIO()
    call_command(
        "user", "create", "--username", "c.one", "--role", "coordinator",
        "--password-file", str(password_file), "--unit", "HQ", "--email", "c@example.org",
        "--totp-secret-file", str(secret_file), stdout=out,
    )  # fmt: skip
    assert PASSWORD not in out.getvalue() and secret not in out.getvalue()
    user = User.objects.get(username="c.one")
    assert (user.role, user.unit, user.email) == ("coordinator", "HQ", "c@example.org")
    assert user.check_password(PASSWORD)
    assert TOTPDevice.objects.get(user=user).confirmed
    # The pre-enrolled secret logs in on the real pages.
    client = Client()
    client.post("/accounts/login/", {"username": "c.one", "password": PASSWORD})
    done = client.post("/accounts/totp/verify/", {"code": code_for_secret(secret)})
    assert done.status_code == 302 and client.get("/").status_code == 200
    entry = AuditEntry.objects.get(action="user.created")
    assert entry.object_id == "c.one" and entry.details["role"] == "coordinator"

    out = StringIO()
    call_command(
        "user", "create", "--username", "c.two", "--role", "auditor",
        "--password-file", str(password_file), "--totp-secret-file", str(secret_file),
        "--print-totp-uri", stdout=out,
    )  # fmt: skip
    assert out.getvalue().strip().splitlines()[-1].startswith("otpauth://totp/")


@pytest.mark.django_db
def test_user_create_refuses_bad_input_and_stores_nothing(tmp_path: Path):
    weak = tmp_path / "weak"
    weak.write_text("123")
    good = tmp_path / "good"
    good.write_text(PASSWORD)
    bad_secret = tmp_path / "bad"
    bad_secret.write_text("not base32 !!")
    audit_before = AuditEntry.objects.count()
    cases = [
        ["--username", "x", "--role", "prosecutor", "--password-file", str(weak)],
        ["--username", "x", "--role", "prosecutor", "--password-file", str(tmp_path / "none")],
        ["--username", "x", "--role", "prosecutor", "--password-file", str(good),
         "--totp-secret-file", str(bad_secret)],
    ]  # fmt: skip
    for args in cases:
        with pytest.raises(CommandError):
            call_command("user", "create", *args)
    with pytest.raises(CommandError):
        call_command("user", "create", "--username", "x", "--role", "king",
                     "--password-file", str(good))  # fmt: skip
    assert not selectors.people().exists()
    assert AuditEntry.objects.count() == audit_before
    call_command("user", "create", "--username", "x", "--role", "prosecutor",
                 "--password-file", str(good), stdout=StringIO())  # fmt: skip
    with pytest.raises(CommandError, match=r"\bx\b"):
        call_command("user", "create", "--username", "x", "--role", "prosecutor",
                     "--password-file", str(good))  # fmt: skip
    assert selectors.people().filter(username="x").count() == 1


@pytest.mark.django_db
def test_user_set_role_deactivate_list():
    user = create_user("c.role", "prosecutor")
    create_user("c.other", "auditor", totp=False)
    call_command("user", "set-role", "--username", "c.role", "--role", "admin", stdout=StringIO())
    user.refresh_from_db()
    assert user.role == "admin" and user.is_staff
    assert list(selectors.users_by_role("admin")) == [user]
    out = StringIO()
    call_command("user", "list", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == ["c.other\tauditor\t-\tactive\tno-totp", "c.role\tadmin\t-\tactive\ttotp"]
    call_command("user", "deactivate", "--username", "c.role", stdout=StringIO())
    user.refresh_from_db()
    assert not user.is_active and user.session_generation == 1
    assert list(selectors.users_by_role("admin")) == []
    changes = AuditEntry.objects.filter(object_id="c.role").values_list("action", "details")
    assert list(changes)[1:] == [
        ("user.role_changed", {"from": "prosecutor", "to": "admin"}),
        ("user.deactivated", {"tokens_revoked": 0}),
    ]
    with pytest.raises(CommandError, match="no user"):
        call_command("user", "deactivate", "--username", "ghost")


@pytest.mark.django_db
def test_token_create_command_prints_token_alone_on_last_line():
    create_user("c.tok", "prosecutor")
    out, err = StringIO(), StringIO()
    call_command("token", "create", "--user", "c.tok", "--name", "ci", stdout=out, stderr=err)
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("n247_") and " " not in raw
    assert _bearer(raw).get("/api/v1/accounts/me").json()["username"] == "c.tok"
    assert ApiToken.objects.get().name == "ci"
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", "ghost")


@pytest.mark.django_db
def test_admin_actions_are_audited(client):
    admin = create_user("a.admin", "admin")
    target = create_user("a.target", "prosecutor")
    token, _raw = services.token_create(user=target)
    verified_client(client, admin)
    response = client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.deleted")
    assert entry.actor == "a.admin" and entry.object_type == "accounts.apitoken"
    assert entry.object_id == str(token.pk)


@pytest.mark.django_db
def test_role_change_in_admin_is_audited_as_such(client):
    admin = create_user("a.boss", "admin")
    target = create_user("a.clerk", "prosecutor", unit="North")
    verified_client(client, admin)
    url = f"/admin/accounts/user/{target.pk}/change/"
    data = admin_form_data(client, url)
    data.update({"role": "coordinator", "is_active": ""})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    target.refresh_from_db()
    assert target.role == "coordinator" and not target.is_active
    actions = list(AuditEntry.objects.filter(object_id__in=["a.clerk", str(target.pk)])
                   .values_list("action", flat=True))  # fmt: skip
    assert actions[-3:] == ["user.role_changed", "user.deactivated", "admin.changed"]


@pytest.mark.django_db
def test_admin_bulk_deletion_audits_every_object(client):
    admin = create_user("a.bulk", "admin")
    owner = create_user("a.owner", "prosecutor")
    ids = [services.token_create(user=owner, name=f"t{i}")[0].pk for i in range(3)]
    verified_client(client, admin)
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "delete_selected", "_selected_action": ids[:2], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(ApiToken.objects.values_list("pk", flat=True)) == ids[2:]
    deleted = AuditEntry.objects.filter(action="admin.deleted").values_list("object_id", "actor")
    assert sorted(deleted) == sorted((str(i), "a.bulk") for i in ids[:2])


@pytest.mark.django_db
def test_passwords_under_twelve_characters_are_refused() -> None:
    """Issue 17, posture: eight characters were enough."""
    with pytest.raises(services.AccountError, match="12"):
        services.user_create(username="weak", role="prosecutor", password="Zq7!vX2#kP9")
    assert not selectors.people().filter(username="weak").exists()
    services.user_create(username="fine", role="prosecutor", password="Zq7!vX2#kP9m")
    assert selectors.people().filter(username="fine").exists()
