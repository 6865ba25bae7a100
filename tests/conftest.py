"""Suite-wide fixtures. Each test module's own fixtures live beside it."""

import pytest


@pytest.fixture(autouse=True)
def _plain_http_peers(settings):
    """The suite's peers are local processes on loopback http, as deploy.federation runs
    them; a test of the production rule (https only) overrides this."""
    settings.EXCHANGE_PLAIN_HTTP_PEERS = True


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test users only: PBKDF2's deliberate slowness buys nothing here. Node processes
    started by tests/fednet.py keep the production hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
