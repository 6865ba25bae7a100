"""Password step, lockout (the sixth wrong password locks), no-TOTP users, sessions."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts import services
from audit.models import AuditEntry
from tests.accounts.helpers import (
    PASSWORD,
    code_for_secret,
    create_user,
    totp_code,
    verified_client,
)

WRONG = "not-the-password-42"


def _post_login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def _actions(**filters: Any) -> list[str]:
    return list(AuditEntry.objects.filter(**filters).values_list("action", flat=True))


@pytest.mark.django_db
def test_five_wrong_passwords_are_tolerated_the_sixth_locks(client):
    create_user("p.lock", "prosecutor")
    for attempt in range(1, 6):
        response = _post_login(client, "p.lock", WRONG)
        assert response.status_code == 400, attempt
        assert "errorlist" in response.content.decode()
    assert _actions(action__startswith="auth.lock") == []

    sixth = _post_login(client, "p.lock", WRONG)
    assert sixth.status_code == 403
    assert "accounts/locked.html" in [t.name for t in sixth.templates]
    assert 'role="alert"' in sixth.content.decode()

    # Locked now: even the right password is refused and nobody is logged in.
    right = _post_login(client, "p.lock", PASSWORD)
    assert right.status_code == 403
    assert "_auth_user_id" not in client.session

    entries = AuditEntry.objects.filter(object_id="p.lock")
    rows = list(entries.values("action", "outcome", "details"))
    assert [r["action"] for r in rows] == ["user.created"] + ["auth.login_failed"] * 6 + [
        "auth.lockout",
        "auth.login_refused_locked",
    ]
    for row in rows[1:]:
        assert row["outcome"] == "failure"
        assert row["details"] == {"username": "p.lock"}
    # Never the password, anywhere in the log.
    dump = json.dumps(list(AuditEntry.objects.values("details")))
    assert WRONG not in dump and PASSWORD not in dump


@pytest.mark.django_db
def test_after_five_wrong_passwords_the_right_one_still_works(client):
    create_user("p.five", "prosecutor")
    for _ in range(5):
        assert _post_login(client, "p.five", WRONG).status_code == 400
    response = _post_login(client, "p.five", PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/totp/verify/")
    assert "auth.password_ok" in _actions(object_id="p.five")
    assert "auth.lockout" not in _actions(object_id="p.five")


@pytest.mark.django_db
def test_failed_login_for_unknown_user_records_the_name_tried(client):
    assert _post_login(client, "nobody", WRONG).status_code == 400
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.details == {"username": "nobody"} and entry.actor_kind == "system"


@pytest.mark.django_db
def test_user_without_totp_reaches_only_enrolment(client, no_otp_throttle, mid_step):
    create_user("p.new", "prosecutor", totp=False)
    assert _post_login(client, "p.new", PASSWORD).status_code == 302
    for path in ["/", "/accounts/", "/audit/", "/cases/", "/legal-map/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/totp/verify/"), path
    refused = AuditEntry.objects.filter(action="auth.second_factor_required", actor="p.new")
    assert sorted(refused.values_list("object_id", flat=True)) == sorted(
        ["/", "/accounts/", "/audit/", "/cases/", "/legal-map/", "/admin/"]
    )
    assert set(refused.values_list("outcome", flat=True)) == {"denied"}
    verify = client.get("/accounts/totp/verify/")
    assert verify.status_code == 302 and verify["Location"].startswith("/accounts/totp/enrol/")
    api = client.get("/api/v1/accounts/me")
    assert api.status_code in (401, 403)

    page = client.get("/accounts/totp/enrol/")
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body
    secret = page.context["secret"]
    assert secret in body
    # Reloading shows the same key (the unconfirmed device is kept, not replaced).
    assert client.get("/accounts/totp/enrol/").context["secret"] == secret

    done = client.post("/accounts/totp/enrol/", {"code": code_for_secret(secret)})
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/accounts/me").json()["username"] == "p.new"
    actions = _actions(object_id="p.new")
    assert actions == ["user.created", "auth.password_ok", "auth.totp_enrolled", "auth.login"]
    # Enrolment is closed once a device is confirmed (a stolen password cannot re-enrol).
    again = client.get("/accounts/totp/enrol/")
    assert again.status_code == 302


@pytest.mark.django_db
def test_wrong_enrolment_code_keeps_the_device_unconfirmed(client, no_otp_throttle, mid_step):
    create_user("p.new2", "prosecutor", totp=False)
    _post_login(client, "p.new2", PASSWORD)
    secret = client.get("/accounts/totp/enrol/").context["secret"]
    wrong = f"{(int(code_for_secret(secret)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/totp/enrol/", {"code": wrong})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'aria-describedby="id_code_helptext id_code_error"' in body
    assert 'id="id_code_error"' in body
    assert "auth.totp_enrolled" not in _actions()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_full_login_sets_generation_and_logout_is_audited(client, no_otp_throttle, mid_step):
    user = create_user("p.full", "coordinator")
    _post_login(client, "p.full", PASSWORD)
    response = client.post("/accounts/totp/verify/?next=/accounts/", {"code": totp_code(user)})
    assert response.status_code == 302
    assert client.session["session_generation"] == 0
    assert client.get("/accounts/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/").status_code == 302
    assert _actions(object_id="p.full")[-3:] == ["auth.password_ok", "auth.login", "auth.logout"]


@pytest.mark.django_db
def test_next_is_kept_through_both_steps_but_not_to_other_hosts(client, no_otp_throttle, mid_step):
    user = create_user("p.next", "prosecutor")
    response = client.post(
        "/accounts/login/?next=/accounts/", {"username": "p.next", "password": PASSWORD}
    )
    assert response["Location"] == "/accounts/totp/verify/?next=%2Faccounts%2F"
    done = client.post(
        "/accounts/totp/verify/", {"code": totp_code(user), "next": "https://evil.example/"}
    )
    assert done["Location"] == "/"


@pytest.mark.django_db
def test_log_out_everywhere_ends_other_sessions(client, no_otp_throttle, mid_step):
    user = create_user("p.every", "prosecutor")
    _post_login(client, "p.every", PASSWORD)
    client.post("/accounts/totp/verify/", {"code": totp_code(user)})
    other = verified_client(Client(), user)
    assert other.get("/accounts/").status_code == 200
    assert client.get("/accounts/").status_code == 200

    response = client.post("/accounts/logout-everywhere/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    for c in (client, other):
        r = c.get("/accounts/")
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    user.refresh_from_db()
    assert user.session_generation == 1
    assert "auth.logout_everywhere" in _actions(object_id="p.every")


@pytest.mark.django_db
def test_a_password_only_session_cannot_log_out_everywhere(client, no_otp_throttle, mid_step):
    user = create_user("p.half", "prosecutor")
    other = verified_client(Client(), user)
    _post_login(client, "p.half", PASSWORD)  # the password step only
    response = client.post("/accounts/logout-everywhere/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/totp/verify/")
    user.refresh_from_db()
    assert user.session_generation == 0
    assert other.get("/accounts/").status_code == 200
    assert "auth.logout_everywhere" not in _actions(object_id="p.half")


@pytest.mark.django_db
def test_sessions_expire(client, settings):
    user = create_user("p.expire", "prosecutor")
    verified_client(client, user)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 8 * 3600
    assert client.session.get_expire_at_browser_close()
    assert client.get("/accounts/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/accounts/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_deactivated_user_is_logged_out_and_cannot_log_in(client):
    user = create_user("p.gone", "prosecutor")
    verified_client(client, user)
    services.user_deactivate(user=user)
    assert client.get("/accounts/").status_code == 302
    assert _post_login(Client(), "p.gone", PASSWORD).status_code == 400


@pytest.mark.django_db
def test_admin_login_form_is_replaced_by_the_two_step_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"
    assert "registration/login.html" in [t.name for t in response.templates]
    create_user("p.sneak", "admin")
    posted = client.post("/admin/login/", {"username": "p.sneak", "password": PASSWORD})
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
