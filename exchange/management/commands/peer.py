"""`manage.py peer add | import | list | refresh-keys | distrust-key | remove` (contract
section 6)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

import httpx
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exchange import keyring, schemas, selectors, services
from exchange.services import PinnedKey
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
        add.add_argument(
            "--replace-keys",
            action="store_true",
            help="stop trusting every other key of this peer (re-enrolment after a compromise)",
        )
        imp = sub.add_parser("import", help="enrol peers from `node show --json` documents")
        imp.add_argument("files", nargs="+", help="JSON files (one node each, or a list)")
        imp.add_argument(
            "--replace-keys", action="store_true", help="stop trusting keys not in the file"
        )
        distrust = sub.add_parser("distrust-key", help="stop trusting one key of a peer for good")
        distrust.add_argument("--key-id", required=True, help="e.g. MD:2026-11a")
        lst = sub.add_parser("list", help="peers with their delivery health")
        lst.add_argument("--json", action="store_true")
        refresh = sub.add_parser("refresh-keys", help="fetch GET /keys of a peer")
        refresh.add_argument("--country", required=True)
        sub.add_parser(
            "hello", help="send our node.keys to every peer now (as a node does at start)"
        )
        remove = sub.add_parser("remove", help="stop exchanging with a peer (kept, inactive)")
        remove.add_argument("--country", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "add":
                keys = [PinnedKey(*_parse_key(k)) for k in options["key"]]
                self._add(options["country"], options["url"], keys, options["replace_keys"])
            elif action == "import":
                self._import(options["files"], options["replace_keys"])
            elif action == "distrust-key":
                key = services.peer_distrust_key(key_id=options["key_id"])
                self.stdout.write(
                    f"{key.key_id} of {key.peer.country} is distrusted"
                    f" (fingerprint {crypto.fingerprint(key.public_key)})"
                )
            elif action == "list":
                self._list(as_json=options["json"])
            elif action == "refresh-keys":
                added = services.peer_refresh_keys(country=options["country"])
                self.stdout.write(f"new keys: {', '.join(added) if added else 'none'}")
            elif action == "hello":
                message = services.announce_presence()
                to = (
                    message.entries.values_list("destination__country", flat=True)
                    if message
                    else []
                )
                self.stdout.write(f"node.keys sent to: {', '.join(sorted(to)) or 'none'}")
            elif action == "remove":
                services.peer_deactivate(country=options["country"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {v}" for k, v in exc.message_dict.items())) from exc
        except keyring.KeyProblem as exc:
            raise CommandError(f"refused ({exc.code}): {exc.message}") from exc
        except httpx.HTTPError as exc:
            raise CommandError(f"could not fetch the peer's keys: {exc}") from exc

    def _add(self, country: str, url: str, keys: list[PinnedKey], replace: bool) -> None:
        peer, _pinned = services.peer_add(country=country, url=url, keys=keys, replace_keys=replace)
        self.stdout.write(f"peer {peer.country} at {peer.url}")
        for key in keys:
            self.stdout.write(f"  {key.key_id}  fingerprint {crypto.fingerprint(key.public_key)}")
        self.stdout.write("Compare each fingerprint with the peer's coordinator by telephone.")

    def _import(self, files: list[str], replace: bool) -> None:
        for name in files:
            with open(name, encoding="utf-8") as handle:
                data = json.load(handle)
            for node in data if isinstance(data, list) else [data]:
                try:
                    keys = [_pinned_key(k) for k in node["keys"]]
                    country, url = node["country"], node["url"]
                except (KeyError, TypeError, ValueError) as exc:
                    problem = f"{name}: not a `node show --json` document ({exc})"
                    raise CommandError(problem) from exc
                self._add(country, url, keys, replace)

    def _list(self, *, as_json: bool) -> None:
        rows = selectors.peers_health()
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                f"{row['country']} {row['url']} {'active' if row['active'] else 'inactive'}"
                f" queued={row['queued']} oldest={row['oldest_queued_age_seconds']}s"
                f" superseded={row['superseded']}"
                f" failing_since={row['failing_since']} last_receipt={row['last_receipt_at']}"
            )


def _pinned_key(item: dict[str, Any]) -> PinnedKey:
    """A key of `node show --json` with its dates, as the contract asks enrolment to pin."""
    until = item.get("valid_until")
    return PinnedKey(
        key_id=item["id"],
        public_key=item["public_key"],
        valid_from=schemas.parse_time(item["valid_from"]) if item.get("valid_from") else None,
        valid_until=schemas.parse_time(until) if until else None,
    )
