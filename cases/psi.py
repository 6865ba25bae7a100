"""Private set intersection for the private match (issue 22): pure functions, no ORM.

The library is OpenMined's `openmined-psi` (ECDH-PSI over P-256, server set encoded as a
Golomb-compressed filter). The querying node (client) learns WHICH of its items the
answering node (server) holds, and only those (`reveal_intersection=True`); the server
learns how many items were asked and nothing else: not which matched, not how many.

What travels, all as base64url of the library's protobuf bytes:

- client -> server: the request (the client's items blinded under its one-time key);
- server -> client: the response (those items blinded again under the server's key) and
  one or more setup messages (filters over the server's items blinded under the same
  server key). The client unions the intersections over every setup message: the
  answering node sends a cached filter of all its items plus a small fresh filter of
  the items stored since (cases.private_match).

Items are `kind:value` of the normalised indicator (cases.indicators): phones in E.164,
handles lower-case, domains (and the hosts of URLs and e-mail addresses) as their
registrable domain, so `shop.studio.example.com` and `studio.example.com` match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import private_set_intersection.python as psi

from cases import indicators as norm
from node.crypto import b64url_encode

# The false-positive rate of one whole query, at the design size (settings'
# PRIVATE_MATCH_MAX_ITEMS): the library divides it over the client's items.
FPR = 1e-9
DOMAIN_KINDS = ("domain", "url", "email")


def match_key(kind: str, value: str, *, region: str = "") -> str:
    """The item one indicator contributes to a private match; raises IndicatorError."""
    n = norm.normalise(kind, value, region=region)
    if kind in DOMAIN_KINDS:
        if not n.registrable_domain:
            raise norm.IndicatorError("no registrable domain")
        return f"domain:{n.registrable_domain}"
    return f"{n.kind}:{n.value}"


def stored_key(kind: str, value: str, registrable_domain: str) -> str | None:
    """The item of an indicator already stored normalised (cases.models.Indicator)."""
    if kind in DOMAIN_KINDS:
        return f"domain:{registrable_domain}" if registrable_domain else None
    return f"{kind}:{value}" if value else None


def setup_digest(setup: bytes) -> str:
    """base64url SHA-256 of a setup filter: how a client says it holds it already."""
    return b64url_encode(hashlib.sha256(setup).digest())


def new_server_key() -> bytes:
    return bytes(psi.server.CreateWithNewKey(True).GetPrivateKeyBytes())


def server_setup(key: bytes, items: Iterable[str], max_client_items: int) -> bytes:
    """A filter over `items` blinded under `key`: the costly part (about 90 µs an item)."""
    server = psi.server.CreateFromKey(key, True)
    setup = server.CreateSetupMessage(
        FPR, max(1, max_client_items), sorted(set(items)), psi.DataStructure.GCS
    )
    return bytes(setup.SerializeToString())


def server_answer(key: bytes, request: bytes) -> bytes:
    """The client's blinded items blinded again under `key`; raises ValueError."""
    parsed = psi.Request()
    try:
        parsed.ParseFromString(request)
    except Exception as exc:  # the protobuf runtime's DecodeError
        raise ValueError("not a PSI request") from exc
    server = psi.server.CreateFromKey(key, True)
    return bytes(server.ProcessRequest(parsed).SerializeToString())


def request_size(request: bytes) -> int:
    """How many items a request carries (what the server learns); raises ValueError."""
    parsed = psi.Request()
    try:
        parsed.ParseFromString(request)
    except Exception as exc:  # the protobuf runtime's DecodeError
        raise ValueError("not a PSI request") from exc
    if not parsed.reveal_intersection:
        raise ValueError("the request must reveal the intersection to its client")
    return len(parsed.encrypted_elements)


def client_request(items: Sequence[str]) -> tuple[bytes, bytes]:
    """(the client's one-time key, the request) for `items`, in that order."""
    client = psi.client.CreateWithNewKey(True)
    request = client.CreateRequest(list(items))
    return bytes(client.GetPrivateKeyBytes()), bytes(request.SerializeToString())


def client_intersection(
    key: bytes, items: Sequence[str], setups: Sequence[bytes], response: bytes
) -> list[int]:
    """Indices of `items` the server holds (union over its setup messages); raises
    ValueError on bytes that do not parse."""
    client = psi.client.CreateFromKey(key, True)
    parsed_response = psi.Response()
    try:
        parsed_response.ParseFromString(response)
        if len(parsed_response.encrypted_elements) != len(items):
            raise ValueError("the response does not answer this request")
        found: set[int] = set()
        for raw in setups:
            setup = psi.ServerSetup()
            setup.ParseFromString(raw)
            found.update(int(i) for i in client.GetIntersection(setup, parsed_response))
    except ValueError:
        raise
    except Exception as exc:  # DecodeError, the library's RuntimeError
        raise ValueError(f"the answer does not parse: {exc}") from exc
    return sorted(found)
