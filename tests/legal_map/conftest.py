"""Users of the legal-map tests (tests.factories: through the accounts service)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from tests import factories


@pytest.fixture
def prosecutor(db: Any) -> User:
    return factories.user("lm-prosecutor", "prosecutor")


@pytest.fixture
def coordinator(db: Any) -> User:
    return factories.user("lm-coordinator", "coordinator")
