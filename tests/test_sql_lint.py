"""The lint rule that keeps hand-written SQL in its home is on: ruff's TID251 flags a raw
cursor outside net247/db/ and the `queries.py` modules, and not inside them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUFF = str(Path(sys.executable).with_name("ruff"))

RAW = """\
from django.db import connection


def count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return 1
"""

PSYCOPG = """\
import psycopg


def run(conn: psycopg.Connection) -> None:
    with psycopg.Cursor(conn) as cursor:
        cursor.execute("SELECT 1")
"""


def _codes(*args: str, source: str | None = None) -> list[tuple[str, str]]:
    """(code, message) of each finding of the project's configuration."""
    done = subprocess.run(
        [RUFF, "check", "--no-cache", "--output-format", "json", "--config",
         str(ROOT / "pyproject.toml"), *args],
        input=source, capture_output=True, text=True, cwd=ROOT, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return [(f["code"], f["message"]) for f in json.loads(done.stdout)]


def test_a_raw_cursor_in_a_temporary_file_is_a_tid251_finding(tmp_path):
    raw = tmp_path / "selectors.py"
    raw.write_text(RAW)
    found = _codes(str(raw))
    assert [code for code, _ in found] == ["TID251"], found
    assert "django.db.connection.cursor" in found[0][1]
    driver = tmp_path / "services.py"
    driver.write_text(PSYCOPG)
    assert [code for code, _ in _codes(str(driver))] == ["TID251"]


def test_the_same_code_passes_in_a_queries_module_and_in_net247_db():
    for where in ("cases/queries.py", "net247/db/extra.py"):
        assert _codes("--stdin-filename", where, "-", source=RAW) == [], where
    # ... and fails in an app's other modules.
    found = _codes("--stdin-filename", "cases/selectors.py", "-", source=RAW)
    assert [code for code, _ in found] == ["TID251"]
