"""Indicator normalisation: one canonical form per kind, so matching is plain equality.

Why: the same phone or domain reaches us written many ways (spaces, national prefixes,
upper case, Unicode); hits between countries only work when both sides store the same
canonical text. Pure functions, no ORM; the public suffix list is tldextract's bundled
snapshot (never fetched: `suffix_list_urls=()`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
import tldextract

from exchange import schemas
from exchange.labels import INDICATOR_KIND_LABELS

KINDS = schemas.INDICATOR_KINDS  # the contract's; normalised and labelled here
HANDLE_KINDS = ("telegram", "instagram", "vk")
KIND_LABELS = INDICATOR_KIND_LABELS  # the words, beside the contract's vocabulary
MAX_VALUE = 500

_HANDLE_RE = re.compile(r"^[a-z0-9_.]{2,64}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_WALLET_RE = re.compile(r"^[A-Za-z0-9]{20,100}$")
_IBAN_RE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$")
_LABEL_RE = re.compile(r"^[a-z0-9-]{1,63}$")
_HANDLE_HOSTS = {
    "telegram": ("t.me", "telegram.me"),
    "instagram": ("instagram.com", "www.instagram.com"),
    "vk": ("vk.com", "m.vk.com", "www.vk.com"),
}


class IndicatorError(ValueError):
    """The value cannot be an indicator of that kind; the message says why."""


@dataclass(frozen=True)
class Normalised:
    kind: str
    value: str
    registrable_domain: str = ""


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # Offline: the bundled snapshot only, no cache directory writes, no HTTP. Private
    # suffixes count (user.github.io is its own site: a takedown targets that user).
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def registrable_domain(host: str) -> str:
    """`shop.example.co.uk` -> `example.co.uk`; empty when the host has no public suffix."""
    parts = _extractor()(host)
    if not parts.domain or not parts.suffix:
        return ""
    return f"{parts.domain}.{parts.suffix}"


def normalise_domain(raw: str) -> str:
    text = raw.strip().rstrip(".").lower()
    if not text or any(c in text for c in "/:@ \t") or "\x00" in text:
        raise IndicatorError("not a domain name")
    try:
        ascii_host = text if text.isascii() else text.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise IndicatorError("not a valid internationalised domain name") from exc
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        raise IndicatorError("not a domain name")
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        raise IndicatorError("a domain label cannot start or end with a hyphen")
    return ascii_host


def normalise_phone(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw, region.upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise IndicatorError("not a phone number") from exc
    if not phonenumbers.is_possible_number(number):
        raise IndicatorError("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_url(raw: str) -> tuple[str, str]:
    """Lower-case scheme and host, IDNA host, no default port, no fragment; path kept."""
    text = raw.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise IndicatorError("not a URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise IndicatorError("an http or https URL with a host")
    host = normalise_domain(parts.hostname)
    default = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default) else f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, parts.query, "")), host


def normalise_handle(kind: str, raw: str) -> str:
    text = raw.strip()
    lowered = text.lower()
    for host in _HANDLE_HOSTS[kind]:
        for prefix in (f"https://{host}/", f"http://{host}/", f"{host}/"):
            if lowered.startswith(prefix):
                text = text[len(prefix) :].split("/")[0].split("?")[0]
                break
    handle = text.lstrip("@").lower()
    if not _HANDLE_RE.match(handle):
        raise IndicatorError("a handle of letters, digits, underscore or dot")
    return handle


def normalise(kind: str, raw: object, *, region: str = "") -> Normalised:
    """The canonical form of one indicator; raises IndicatorError with a reason."""
    if kind not in KINDS:
        raise IndicatorError(f"unknown kind; one of {', '.join(KINDS)}")
    if not isinstance(raw, str) or not raw.strip():
        raise IndicatorError("a non-empty string")
    if "\x00" in raw or len(raw) > MAX_VALUE:
        raise IndicatorError(f"at most {MAX_VALUE} characters, no NUL")
    if kind == "phone":
        return Normalised(kind, normalise_phone(raw, region))
    if kind == "domain":
        host = normalise_domain(raw)
        return Normalised(kind, host, registrable_domain(host))
    if kind == "url":
        url, host = normalise_url(raw)
        return Normalised(kind, url, registrable_domain(host))
    if kind == "email":
        local, sep, host = raw.strip().rpartition("@")
        if not sep or not local or any(c.isspace() for c in local):
            raise IndicatorError("an e-mail address")
        domain = normalise_domain(host)
        return Normalised(kind, f"{local.lower()}@{domain}", registrable_domain(domain))
    if kind in HANDLE_KINDS:
        return Normalised(kind, normalise_handle(kind, raw))
    if kind == "image_sha256":
        digest = raw.strip().lower()
        if not _SHA256_RE.match(digest):
            raise IndicatorError("64 hexadecimal digits")
        return Normalised(kind, digest)
    if kind == "iban":
        iban = re.sub(r"\s+", "", raw).upper()
        if not _IBAN_RE.match(iban) or not _iban_checksum_ok(iban):
            raise IndicatorError("an IBAN with a valid check number")
        return Normalised(kind, iban)
    wallet = raw.strip()
    if not _WALLET_RE.match(wallet):
        raise IndicatorError("a wallet address of 20-100 letters and digits")
    # Hex (0x...) addresses are case-insensitive; base58/bech32 ones keep their case.
    return Normalised(kind, wallet.lower() if wallet.lower().startswith("0x") else wallet)


def _iban_checksum_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1
