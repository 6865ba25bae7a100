"""The demo federation's login aid: shown on a demo node only, never on a normal one."""

import pytest

from accounts import selectors
from tests.accounts.helpers import code_for_secret, create_user, totp_secret

pytestmark = pytest.mark.django_db


def test_demo_code_is_the_device_code_on_a_demo_node(settings):
    settings.DEMO_MODE = True
    user = create_user("demo-duty", "prosecutor")
    before = code_for_secret(totp_secret(user))
    code = selectors.demo_current_code(user)
    after = code_for_secret(totp_secret(user))
    assert code is not None and len(code) == 6
    assert code in {before, after}  # a 30-second step may end in between


def test_demo_code_is_never_given_without_demo_mode(settings, client):
    settings.DEMO_MODE = False
    user = create_user("real-duty", "prosecutor")
    assert selectors.demo_current_code(user) is None
    client.force_login(user)
    page = client.get("/accounts/totp/verify/")
    assert page.status_code == 200
    assert b"demo-code" not in page.content


def test_demo_code_is_shown_on_the_totp_step_of_a_demo_node(settings, client):
    settings.DEMO_MODE = True
    user = create_user("demo-duty2", "prosecutor")
    client.force_login(user)
    before = code_for_secret(totp_secret(user))
    page = client.get("/accounts/totp/verify/")
    after = code_for_secret(totp_secret(user))
    assert b"demo-code" in page.content
    assert before.encode() in page.content or after.encode() in page.content
