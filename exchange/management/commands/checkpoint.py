"""`manage.py checkpoint send | status | export FILE`: the audit log's signed heads.

send: sign the head now and send it to every peer to witness (what the node does every
AUDIT_CHECKPOINT_MINUTES), then deliver at once; a no-op for a peer that co-signed the
head already. status: per peer, the last checkpoint sent and the last head it co-signed.
export FILE: write this node's signed head (an `audit.checkpoint` to nobody) for
`audit verify --against FILE`; deploy/production/backup.sh keeps one beside each dump.
"""

from __future__ import annotations

import json
import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from exchange import canonical, checkpoints, outbox, witness_status


class Command(BaseCommand):
    help = "Signed checkpoints of the audit log: send to the peers, show, export."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="send the signed head to every peer now")
        send.add_argument("--no-deliver", action="store_true", help="queue only")
        send.add_argument("--json", action="store_true")
        status = sub.add_parser("status", help="per peer: last sent, last co-signed")
        status.add_argument("--json", action="store_true")
        export = sub.add_parser("export", help="write this node's signed head to FILE (-: out)")
        export.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "export":
            document = checkpoints.export_document()
            body = document["body"]
            if options["file"] == "-":  # backup.sh: root writes the file, not the node's user
                self.stdout.write(canonical.dumps(document).decode(), ending="")
                return
            path = Path(options["file"])
            path.write_bytes(canonical.dumps(document))
            os.chmod(path, 0o644)
            self.stdout.write(f"{path}: size {body['size']}, root {body['root_hash']}")
            return
        if action == "send":
            outcomes = checkpoints.send()
            if not options["no_deliver"]:
                for country, outcome in outcomes.items():
                    if outcome == "sent":
                        outbox.deliver_peer(country)
            if options["json"]:
                self.stdout.write(json.dumps(outcomes, sort_keys=True))
            else:
                for country, outcome in sorted(outcomes.items()):
                    self.stdout.write(f"{country}: {outcome}")
            return
        rows = witness_status.peers()
        if options["json"]:
            self.stdout.write(json.dumps(rows, sort_keys=True, default=str))
            return
        for row in rows:
            self.stdout.write(
                f"{row['country']}: {row['state']}; last co-signed "
                f"{row['cosigned_size'] if row['cosigned_size'] is not None else '-'} "
                f"at {row['cosigned_at'] or '-'}; last sent {row['sent_size']} "
                f"({row['sent_status'] or '-'})"
            )
