"""`manage.py peer add | list | refresh-keys | remove` (contract section 6)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

import httpx
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exchange import keyring, selectors, services
from node import crypto


def _parse_key(text: str) -> tuple[str, str]:
    key_id, sep, public_key = text.partition("=")
    if not sep:
        raise CommandError("--key takes COUNTRY:LABEL=<public key>")
    return key_id.strip(), public_key.strip()


class Command(BaseCommand):
    help = "Enrol peer nodes, list their delivery health, refresh their keys."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="enrol a peer, pinning its key(s)")
        add.add_argument("--country", required=True)
        add.add_argument("--url", required=True)
        add.add_argument("--key", action="append", required=True, help="KZ:2026-11a=<public key>")
        imp = sub.add_parser("import", help="enrol peers from `node show --json` documents")
        imp.add_argument("files", nargs="+", help="JSON files (one node each, or a list)")
        lst = sub.add_parser("list", help="peers with their delivery health")
        lst.add_argument("--json", action="store_true")
        refresh = sub.add_parser("refresh-keys", help="fetch GET /keys of a peer")
        refresh.add_argument("--country", required=True)
        remove = sub.add_parser("remove", help="stop exchanging with a peer (kept, inactive)")
        remove.add_argument("--country", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "add":
                keys = [_parse_key(k) for k in options["key"]]
                self._add(options["country"], options["url"], keys)
            elif action == "import":
                self._import(options["files"])
            elif action == "list":
                self._list(as_json=options["json"])
            elif action == "refresh-keys":
                added = services.peer_refresh_keys(country=options["country"])
                self.stdout.write(f"new keys: {', '.join(added) if added else 'none'}")
            elif action == "remove":
                services.peer_deactivate(country=options["country"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {v}" for k, v in exc.message_dict.items())) from exc
        except keyring.KeyProblem as exc:
            raise CommandError(f"refused ({exc.code}): {exc.message}") from exc
        except httpx.HTTPError as exc:
            raise CommandError(f"could not fetch the peer's keys: {exc}") from exc

    def _add(self, country: str, url: str, keys: list[tuple[str, str]]) -> None:
        peer, _pinned = services.peer_add(country=country, url=url, keys=keys)
        self.stdout.write(f"peer {peer.country} at {peer.url}")
        for key_id, public_key in keys:
            self.stdout.write(f"  {key_id}  fingerprint {crypto.fingerprint(public_key)}")
        self.stdout.write("Compare each fingerprint with the peer's coordinator by telephone.")

    def _import(self, files: list[str]) -> None:
        for name in files:
            with open(name, encoding="utf-8") as handle:
                data = json.load(handle)
            for node in data if isinstance(data, list) else [data]:
                keys = [(k["id"], k["public_key"]) for k in node["keys"]]
                self._add(node["country"], node["url"], keys)

    def _list(self, *, as_json: bool) -> None:
        rows = selectors.peers_health()
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                f"{row['country']} {row['url']} {'active' if row['active'] else 'inactive'}"
                f" queued={row['queued']} oldest={row['oldest_queued_age_seconds']}s"
                f" failing_since={row['failing_since']} last_receipt={row['last_receipt_at']}"
            )
