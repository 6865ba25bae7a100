"""The node's key store: public halves in the database, private seeds in 0600 files.

A private key can also be handed in through the environment as
NODE_SIGNING_KEY_<LABEL> (hex seed), for deployments that keep secrets outside the disk.
Nothing a web request can read ever holds a private key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from node import crypto
from node.models import NodeKey

LABEL_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


class KeyStoreError(Exception):
    pass


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey


def _key_dir() -> Path:
    return Path(settings.NODE_KEY_DIR)


def _seed_path(key_id: str) -> Path:
    label = key_id.split(":", 1)[1]
    return _key_dir() / f"{label}.seed"


def _env_name(key_id: str) -> str:
    label = key_id.split(":", 1)[1]
    return "NODE_SIGNING_KEY_" + re.sub(r"[^A-Za-z0-9]", "_", label).upper()


def _write_seed(key_id: str, seed: bytes) -> None:
    directory = _key_dir()
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    path = _seed_path(key_id)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(seed.hex() + "\n")


_loaded: dict[tuple[str, str], Ed25519PrivateKey] = {}


def load_private_key(key_id: str) -> Ed25519PrivateKey:
    """The private key `key_id`, read once per process and key directory (a key id's seed
    never changes; the inbox signs a receipt per envelope)."""
    cache_key = (str(settings.NODE_KEY_DIR), key_id)
    key = _loaded.get(cache_key)
    if key is None:
        key = _loaded[cache_key] = _read_private_key(key_id)
    return key


def _read_private_key(key_id: str) -> Ed25519PrivateKey:
    env_seed = os.environ.get(_env_name(key_id))
    if env_seed:
        return crypto.private_key_from_seed(bytes.fromhex(env_seed.strip()))
    path = _seed_path(key_id)
    if not path.exists():
        raise KeyStoreError(f"no private key for {key_id} at {path} or in ${_env_name(key_id)}")
    if path.stat().st_mode & 0o077:
        raise KeyStoreError(f"{path} must not be readable by group or others (chmod 600)")
    return crypto.private_key_from_seed(bytes.fromhex(path.read_text(encoding="ascii").strip()))


def new_label(now: datetime | None = None) -> str:
    """Labels like 2026-11a, 2026-11b: readable over the telephone and sortable."""
    now = now or timezone.now()
    prefix = now.strftime("%Y-%m")
    taken = set(
        NodeKey.objects.filter(key_id__startswith=f"{settings.NODE_COUNTRY}:{prefix}").values_list(
            "key_id", flat=True
        )
    )
    for letter in "abcdefghijklmnopqrstuvwxyz":
        if f"{settings.NODE_COUNTRY}:{prefix}{letter}" not in taken:
            return f"{prefix}{letter}"
    return f"{prefix}-{int(now.timestamp())}"


def create_key(*, label: str | None = None, make_current: bool = True) -> NodeKey:
    """Generate a key, keep its seed on disk and its public half in the database."""
    label = label or new_label()
    if not LABEL_RE.match(label):
        raise KeyStoreError("a key label is 1 to 32 characters of A-Z a-z 0-9 . _ -")
    key_id = f"{settings.NODE_COUNTRY}:{label}"
    private_key = Ed25519PrivateKey.generate()
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        if make_current:
            NodeKey.objects.filter(is_current=True).update(is_current=False)
        key = NodeKey.objects.create(
            key_id=key_id,
            public_key=crypto.public_key_text(private_key.public_key()),
            valid_from=now,
            is_current=make_current,
        )
        _write_seed(key_id, crypto.private_key_seed(private_key))
    return key


def current_key() -> NodeKey:
    key = NodeKey.objects.filter(is_current=True).first()
    if key is None:
        raise KeyStoreError("this node has no key yet: run `python manage.py node init`")
    return key


def current_signing_key() -> SigningKey:
    return signing_key(current_key().key_id)


def signing_key(key_id: str) -> SigningKey:
    return SigningKey(key_id=key_id, private_key=load_private_key(key_id))


def published_keys() -> list[NodeKey]:
    """Every key with its validity window: peers verify old messages against old keys."""
    return list(NodeKey.objects.all())
