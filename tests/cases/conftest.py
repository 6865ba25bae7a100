import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Test users only: PBKDF2's deliberate slowness buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
