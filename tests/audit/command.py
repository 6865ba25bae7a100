"""`manage.py audit verify` run in this process, as an operator runs it."""

from __future__ import annotations

import io

from django.core.management import call_command


def run_verify(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `audit verify *args`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()
