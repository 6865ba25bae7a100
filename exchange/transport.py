"""HTTP to peers: one pooled client per process, short timeouts, no redirects.

Returns what happened as data; the outbox decides what it means for delivery.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx

INBOX_PATH = "/federation/v1/inbox"
KEYS_PATH = "/federation/v1/keys"
WITNESSED_PATH = "/federation/v1/audit/witnessed/"
TIMEOUT = httpx.Timeout(10.0, connect=3.0)

_client: httpx.Client | None = None
_lock = threading.Lock()


def client() -> httpx.Client:
    global _client
    with _lock:
        if _client is None:
            _client = httpx.Client(
                timeout=TIMEOUT,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
                headers={"User-Agent": "net247-node/1"},
            )
        return _client


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer at all (connection error, timeout)
    body: bytes
    retry_after: int | None
    error: str


def _retry_after(response: httpx.Response) -> int | None:
    raw = response.headers.get("Retry-After", "")
    return int(raw) if raw.isdigit() else None


def post_envelope(base_url: str, payload: bytes) -> Answer:
    """POST canonical envelope bytes to a peer's inbox."""
    try:
        response = client().post(
            base_url.rstrip("/") + INBOX_PATH,
            content=payload,
            headers={"Content-Type": "application/json"},
        )
    except httpx.HTTPError as exc:
        return Answer(None, b"", None, f"{exc.__class__.__name__}: {exc}"[:300])
    return Answer(
        response.status_code, response.content, _retry_after(response), response.reason_phrase
    )


def get_keys(base_url: str) -> bytes:
    """Fetch a peer's signed key document; raises httpx.HTTPError on failure."""
    response = client().get(base_url.rstrip("/") + KEYS_PATH)
    response.raise_for_status()
    return response.content


def get_witnessed(base_url: str, origin: str) -> bytes:
    """Fetch what a peer co-signed of `origin`'s audit log; raises httpx.HTTPError."""
    response = client().get(base_url.rstrip("/") + WITNESSED_PATH + origin)
    response.raise_for_status()
    return response.content
