"""The throw-away database a benchmark fills: recreate it, then set Django up on it.

Why: each benchmark measures on a database of its own, emptied before the run, through the
project's own migrations; one copy of that set-up instead of one per script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def recreate(url: str) -> None:
    """An empty database at `url`: an SQLite file removed, a PostgreSQL one dropped and created."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parts.path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    """Django on the environment's settings, migrated (DATABASE_URL as the caller set it)."""
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "net247.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
