"""`python manage.py audit verify [--json] [--witnessed] [--against FILE]`.

Plain: recompute the whole audit log. Exit status 0 when every entry, every link and the
head agree, 1 otherwise, naming the first broken entry; prints how many entries were
verified and the Merkle root.

--witnessed: also check the log against every tree head the registered sources give
(audit/witnesses.py: co-signed checkpoints kept here, fetched from the peers); --against
FILE: against the signed head exported in FILE (read by the registered reader). Either
fails (exit 1) naming every head the log contradicts, when no head could be had at all,
or when FILE cannot be read; a source that is unavailable is named, the others checked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit import witnesses
from audit.verify import HeadsVerification, Verification, verify, verify_heads
from audit.witnesses import SignedHead


class Command(BaseCommand):
    help = "Audit log tools. verify: recompute every entry's hash, the chain and the tree head."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser("verify", help="recompute and check the whole log")
        check.add_argument("--json", action="store_true", help="print the result as JSON")
        check.add_argument(
            "--witnessed",
            action="store_true",
            help="also check against every tree head the peers signed (kept here and fetched)",
        )
        check.add_argument(
            "--against", metavar="FILE", help="also check against the signed head in FILE"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (options["witnessed"] or options["against"]):
            result = verify()
            self._report_chain(result, as_json=options["json"])
            if not result.ok:
                raise SystemExit(1)
            return
        heads, sources, problems = self._heads(options["witnessed"], options["against"])
        checked = verify_heads(heads)
        if options["json"]:
            self.stdout.write(json.dumps(self._as_dict(checked, sources, problems)))
        else:
            self._report_chain(checked.chain, as_json=False)
            self._report_heads(checked, sources, problems)
        if problems or not checked.ok:
            raise SystemExit(1)

    def _heads(
        self, witnessed: bool, against: str | None
    ) -> tuple[list[SignedHead], list[dict[str, Any]], list[str]]:
        """The heads to check, what each source gave, and what makes the check fail
        whatever the log (no head at all, an unreadable file)."""
        heads: list[SignedHead] = []
        sources: list[dict[str, Any]] = []
        problems: list[str] = []
        if witnessed:
            results = witnesses.collect()
            for found in results:
                heads.extend(found.heads)
                given = {"name": found.name, "heads": len(found.heads), "error": found.error}
                sources.append(given)
            if not results:
                problems.append("no source of witnessed tree heads is registered")
            elif not heads:
                problems.append("no source gave a witnessed tree head to check against")
        if against:
            reader = witnesses.head_file_reader()
            if reader is None:
                problems.append(f"{against}: no reader of signed head files is registered")
            else:
                try:
                    head = reader(Path(against).read_bytes())
                except (OSError, ValueError) as exc:
                    problems.append(f"{against}: {exc}")
                else:
                    heads.append(head)
                    sources.append({"name": against, "heads": 1, "error": ""})
        return heads, sources, problems

    def _report_chain(self, result: Verification, *, as_json: bool) -> None:
        if as_json:
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

    def _report_heads(
        self, checked: HeadsVerification, sources: list[dict[str, Any]], problems: list[str]
    ) -> None:
        given = ", ".join(
            f"{s['name']}: unavailable" if s["error"] else f"{s['name']}: {s['heads']}"
            for s in sources
        )
        self.stdout.write(f"signed tree heads checked: {checked.checked} ({given or 'no source'})")
        for s in sources:
            if s["error"]:
                self.stderr.write(f"source {s['name']} unavailable: {s['error']}")
        for problem in problems:
            self.stderr.write(f"cannot check against signed heads: {problem}")
        for c in checked.contradicted:
            self.stderr.write(f"CONTRADICTED {c.head.describe()}: {c.reason}")
        for head in checked.unchecked:
            self.stderr.write(f"not checked (beyond the broken entry): {head.describe()}")
        if checked.ok and not problems:
            self.stdout.write("no signed head contradicts the log")

    @staticmethod
    def _as_dict(
        checked: HeadsVerification, sources: list[dict[str, Any]], problems: list[str]
    ) -> dict[str, Any]:
        def head(h: SignedHead) -> dict[str, Any]:
            when = h.signed_at.isoformat() if h.signed_at else None
            return {
                "size": h.size,
                "root_hash": h.root_hash,
                "signed_by": h.signed_by,
                "signed_at": when,
                "source": h.source,
            }

        return checked.chain.as_dict() | {
            "witnessed": {
                "ok": checked.ok and not problems,
                "checked": checked.checked,
                "sources": sources,
                "problems": problems,
                "contradicted": [head(c.head) | {"reason": c.reason} for c in checked.contradicted],
                "unchecked": [head(h) for h in checked.unchecked],
            }
        }
