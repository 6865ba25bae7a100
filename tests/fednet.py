"""Real node processes for tests: `federation` starts N nodes on free ports in tmp dirs.

    def test_x(federation):
        fed = federation("MD", "KZ")            # initialised, enrolled, started
        fed.node("MD").manage("message", "send", ...)
        fed.node("KZ").sql("SELECT count(*) FROM exchange_inboundmessage")

Under DATABASE_URL/REDIS_URL each node gets a fresh PostgreSQL database and its own Redis
database number (dropped/flushed around the test). Every process is stopped at teardown.
`FakePeer` signs envelopes with a test-held key, to talk to a node as a peer would.
Import the fixtures in a test module or conftest: `from tests.fednet import federation`.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deploy.federation import Federation
from exchange import canonical, schemas, signing
from node import crypto

TEST_ENV = {
    "EXCHANGE_RETRY_BASE_SECONDS": "1",
    "EXCHANGE_RETRY_MAX_SECONDS": "5",
    "LOG_LEVEL": "WARNING",
}
_counter = itertools.count()


def make_federation(
    countries: list[str], directory: Any, env: dict[str, str] | None = None, start: bool = True
) -> Federation:
    fed = Federation(
        countries,
        directory,
        env={**TEST_ENV, **(env or {})},
        fresh=True,
        db_suffix=f"_t{os.getpid()}_{next(_counter)}",
    )
    fed.init()
    if start:
        fed.start()
    return fed


@pytest.fixture
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Federation]]:
    """A factory: federation("MD", "KZ", env={...}) -> started Federation; stopped after."""
    started: list[Federation] = []

    def factory(
        *countries: str, env: dict[str, str] | None = None, start: bool = True
    ) -> Federation:
        fed = make_federation(list(countries), tmp_path_factory.mktemp("fed"), env, start)
        started.append(fed)
        return fed

    yield factory
    for fed in started:
        fed.stop()
        fed.drop_databases()


def now_text() -> str:
    return schemas.format_time(datetime.now(UTC))


class FakePeer:
    """A peer identity held by the test: a key and an envelope builder."""

    def __init__(self, country: str, label: str = "test-1") -> None:
        self.country = country
        self.key = Ed25519PrivateKey.generate()
        self.key_id = f"{country}:{label}"

    @property
    def public_key(self) -> str:
        return crypto.public_key_text(self.key.public_key())

    def enrol_args(self, url: str = "http://127.0.0.1:9") -> list[str]:
        return ["peer", "add", "--country", self.country, "--url", url, "--key",
                f"{self.key_id}={self.public_key}"]  # fmt: skip

    def envelope(self, to: list[str], type: str = "case.update", body: dict[str, Any] | None = None,
                 **fields: Any) -> dict[str, Any]:  # fmt: skip
        """Unsigned, as the node builds one (schemas.unsigned_envelope); `fields` replace
        any member, to make one that is wrong on purpose."""
        envelope: dict[str, Any] = dict(
            schemas.unsigned_envelope(
                envelope_id=str(uuid.uuid4()),
                type=type,
                origin=self.country,
                to=to,
                created_at=now_text(),
                body=body if body is not None else {"case_ref": "T-1", "changes": {}},
            )
        )
        envelope.update(fields)
        return envelope

    def sign(self, envelope: dict[str, Any], key: Ed25519PrivateKey | None = None,
             key_id: str | None = None) -> dict[str, Any]:  # fmt: skip
        return signing.sign(envelope, key_id=key_id or self.key_id, private_key=key or self.key)

    def signed_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        return canonical.dumps(self.sign(self.envelope(*args, **kwargs)))
