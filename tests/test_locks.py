"""Row locks are FOR NO KEY UPDATE unless a comment says why a stronger one is needed.

A full FOR UPDATE also blocks the foreign-key checks (FOR KEY SHARE) of every insert that
points at the locked row (see exchange/keyring.py): locking a peer or a user that way
stalled unrelated writers that only referenced it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "alerts", "audit", "cases", "exchange", "legal_map", "node", "net247")
CALL = re.compile(r"select_for_update\(([^)]*)\)")
# Written on the line above a lock that must be a full FOR UPDATE (the row's key changes
# or the row is deleted while locked), with the reason after it.
WAIVER = "# full row lock:"


def test_every_row_lock_leaves_the_key_alone() -> None:
    plain: list[str] = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines, start=1):
                for match in CALL.finditer(line):
                    waived = number > 1 and WAIVER in lines[number - 2]
                    if "no_key=True" not in match.group(1) and not waived:
                        plain.append(f"{path.relative_to(ROOT)}:{number}")
    assert plain == [], f"select_for_update without no_key=True: {plain}"
