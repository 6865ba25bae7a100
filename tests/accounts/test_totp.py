"""TOTP rules: a code counts only in its own 30-second step, and only once."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from audit.models import AuditEntry
from tests.accounts.helpers import PASSWORD, create_user, totp_code, totp_secret


def _login_password(client: Client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/totp/verify/")


@pytest.mark.django_db
def test_code_of_previous_or_next_step_is_refused(no_otp_throttle, mid_step):
    user = create_user("p.step", "prosecutor")
    now = time.time()
    assert services.totp_verify(user=user, code=totp_code(user, now - 30)) is None
    assert services.totp_verify(user=user, code=totp_code(user, now + 30)) is None
    assert services.totp_verify(user=user, code=totp_code(user, now)) is not None


@pytest.mark.django_db
def test_tolerance_is_zero_even_for_a_device_made_elsewhere(no_otp_throttle, mid_step):
    user = create_user("p.admin_device", "prosecutor")
    TOTPDevice.objects.filter(user=user).update(tolerance=2, drift=1)
    now = time.time()
    assert services.totp_verify(user=user, code=totp_code(user, now - 30)) is None
    assert services.totp_verify(user=user, code=totp_code(user, now + 30)) is None
    assert services.totp_verify(user=user, code=totp_code(user, now)) is not None


@pytest.mark.django_db
def test_a_code_is_accepted_only_once(no_otp_throttle, mid_step):
    user = create_user("p.once", "prosecutor")
    code = totp_code(user)
    assert services.totp_verify(user=user, code=code) is not None
    assert services.totp_verify(user=user, code=code) is None
    device = TOTPDevice.objects.get(user=user)
    assert device.last_t == int(time.time()) // 30
    actions = list(AuditEntry.objects.values_list("action", "outcome"))
    assert ("auth.login", "success") in actions
    assert ("auth.totp_failed", "failure") in actions


@pytest.mark.django_db
def test_a_used_code_is_refused_on_the_page_for_a_second_session(client, no_otp_throttle, mid_step):

    user = create_user("p.twice", "prosecutor")
    code = totp_code(user)
    _login_password(client, user.username)
    first = client.post("/accounts/totp/verify/", {"code": code})
    assert first.status_code == 302 and first["Location"] == "/"
    other = Client()
    _login_password(other, user.username)
    second = other.post("/accounts/totp/verify/", {"code": code})
    assert second.status_code == 400
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_wrong_code_on_page_is_audited_and_keeps_user_out(client, no_otp_throttle, mid_step):
    user = create_user("p.wrong", "prosecutor")
    _login_password(client, user.username)
    wrong = f"{(int(totp_code(user)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/totp/verify/", {"code": wrong})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert client.get("/accounts/").status_code == 302
    entry = AuditEntry.objects.filter(action="auth.totp_failed").get()
    assert entry.actor == user.username and entry.outcome == "failure"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_of_one_code_pass_once(no_otp_throttle, mid_step):
    user = create_user("p.race", "prosecutor")
    code = totp_code(user)
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def submit():
        try:
            barrier.wait()
            results.append(services.totp_verify(user=user, code=code) is not None)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]


@pytest.mark.django_db
def test_secret_round_trip_matches_device(no_otp_throttle):
    user = create_user("p.secret", "prosecutor")
    device = TOTPDevice.objects.get(user=user)
    assert services.secret_to_hex(totp_secret(user)) == device.key
