"""`python manage.py audit verify [--json]`: recompute the whole audit log.

Exit status 0 when every entry, every link and the head agree, 1 otherwise, naming the
first broken entry; prints how many entries were verified and the Merkle root.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit.verify import verify


class Command(BaseCommand):
    help = "Audit log tools. verify: recompute every entry's hash, the chain and the tree head."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser("verify", help="recompute and check the whole log")
        check.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
        elif result.ok:
            self.stdout.write(
                f"audit log verified: {result.verified} entries, "
                f"Merkle root {result.root_hash} (tree size {result.size})"
            )
        else:
            self.stderr.write(
                f"audit log BROKEN at entry #{result.broken_seq}: {result.reason}\n"
                f"entries #1..#{result.verified} verified "
                f"(Merkle root of that prefix {result.root_hash})"
            )
        if not result.ok:
            raise SystemExit(1)
