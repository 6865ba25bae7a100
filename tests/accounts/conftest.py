import time

import pytest


@pytest.fixture
def no_otp_throttle(settings):
    """django-otp delays a device after each wrong code; rule tests submit several."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def mid_step():
    """Wait until at least 4 s remain in the current 30-s step, so that 'now' does not
    cross a step boundary between computing a code and submitting it."""
    left = 30 - (time.time() % 30)
    if left < 4:
        time.sleep(left + 0.1)
