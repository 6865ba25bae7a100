"""Suite-wide fixtures. Each test module's own fixtures live beside it."""

import pytest


@pytest.fixture(autouse=True)
def _plain_http_peers(settings):
    """The suite's peers are local processes on loopback http, as deploy.federation runs
    them; a test of the production rule (https only) overrides this."""
    settings.EXCHANGE_PLAIN_HTTP_PEERS = True
