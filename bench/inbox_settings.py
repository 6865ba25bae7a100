"""Bench-only settings: the node's settings with a URLconf that adds a bare DRF endpoint."""

from net247.settings import *  # noqa: F403

ROOT_URLCONF = "bench.inbox_urls"
