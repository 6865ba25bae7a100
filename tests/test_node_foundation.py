import json
import os
import stat
from pathlib import Path

import pytest
from django.core.management import call_command

from node import crypto, keystore
from node.models import NodeKey


@pytest.mark.django_db
def test_node_init_is_idempotent_and_keeps_seed_private(settings, tmp_path, capsys):
    settings.NODE_KEY_DIR = tmp_path / "keys"
    call_command("node", "init")
    call_command("node", "init")
    assert NodeKey.objects.count() == 1
    key = NodeKey.objects.get()
    seed_file = tmp_path / "keys" / (key.key_id.split(":")[1] + ".seed")
    assert stat.S_IMODE(seed_file.stat().st_mode) == 0o600
    signing = keystore.current_signing_key()
    assert crypto.public_key_text(signing.private_key.public_key()) == key.public_key
    capsys.readouterr()
    call_command("node", "show", "--json")
    shown = json.loads(capsys.readouterr().out)
    assert shown["country"] == settings.NODE_COUNTRY
    assert shown["keys"][0]["id"] == key.key_id


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_readyz_checks_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_the_embedded_database_is_private(tmp_path):
    """Issue 17, posture: the SQLite file was created 0644 (readable by every local user)."""
    import sqlite3

    from django.db.backends.sqlite3.base import DatabaseWrapper

    path = tmp_path / "db.sqlite3"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    wrapper = DatabaseWrapper({**connection_settings(), "NAME": str(path)})
    wrapper.ensure_connection()
    wrapper.close()
    assert path.stat().st_mode & 0o777 == 0o600


def connection_settings() -> dict[str, object]:
    from django.db import connections

    settings = dict(connections["default"].settings_dict, ENGINE="django.db.backends.sqlite3")
    settings["OPTIONS"] = {}  # PostgreSQL's options (its pool) mean nothing to SQLite
    return settings


@pytest.mark.django_db
def test_readyz_names_the_error_only_to_the_machine_itself(client, settings):
    """Issue 17, posture: class names of exceptions were shown to anyone."""
    from django.core.cache import caches

    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    caches.close_all()
    local = client.get("/readyz")
    assert local.status_code == 503
    assert local.json()["redis"].startswith("error: ")
    proxied = client.get("/readyz", headers={"X-Forwarded-For": "203.0.113.7"})
    assert proxied.status_code == 503
    assert proxied.json() == {
        "status": "unavailable",
        "database": "ok",
        "redis": "error",
        "disk": "ok",
    }


@pytest.mark.django_db
def test_readyz_says_when_the_nodes_disk_is_full(client, settings):
    """Issue 18: a full disk was visible only in the inbox's 503s and the log."""
    import shutil

    free = shutil.disk_usage(settings.VAR_DIR).free
    settings.READYZ_MIN_FREE_BYTES = free + 1024**3  # more than there is: "full"
    full = client.get("/readyz")
    assert full.status_code == 503
    assert full.json()["disk"].startswith("error: disk full")
    settings.READYZ_MIN_FREE_BYTES = 0
    ready = client.get("/readyz").json()  # with "redis" too where REDIS_URL is set
    assert ready["status"] == "ok" and ready["disk"] == "ok", ready


@pytest.mark.parametrize(
    "env",
    [
        {"NODE_DEMO": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"},
        {"NODE_DEMO": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
         "NODE_DEPLOYMENT": "embedded"},
    ],
)  # fmt: skip
def test_a_demo_node_on_a_database_server_refuses_to_start(env, tmp_path):
    """Issue 17, posture: NODE_DEPLOYMENT=embedded lifted the guard (and a demo node
    shows the current TOTP code on its login page)."""
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "net247.settings", "SECRET_KEY": "x",
             "NODE_VAR_DIR": str(tmp_path), **env},
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert run.returncode != 0
    assert "NODE_DEMO is refused" in run.stderr


@pytest.mark.parametrize(
    ("env", "outcome"),
    [
        ({"NODE_EXTRA_COUNTRIES": "XA,XB", "NODE_COUNTRY": "XB"}, "XB UTC"),
        ({"NODE_EXTRA_COUNTRIES": "FR", "NODE_COUNTRY": "FR"}, "user-assigned codes only"),
        ({"NODE_EXTRA_COUNTRIES": "XA", "NODE_COUNTRY": "XA",
          "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}, "not in production"),
        ({"NODE_COUNTRY": "XA"}, "NODE_COUNTRY must be one of"),
    ],
)  # fmt: skip
def test_extra_node_codes_only_user_assigned_and_never_in_production(env, outcome, tmp_path):
    """bench/federation_scale.py runs more nodes than the five countries (issue 18): with
    codes that name no state, and never on a production node."""
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import "
         "settings as s; print(s.NODE_COUNTRY, s.TIME_ZONE)"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "net247.settings", "SECRET_KEY": "x",
             "NODE_VAR_DIR": str(tmp_path), **env},
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert outcome in run.stdout + run.stderr
    assert (run.returncode == 0) == (outcome == "XB UTC")


@pytest.mark.parametrize(
    "setting", ["DEFAULT_PAGINATION_CLASS", "EXCEPTION_HANDLER", "DEFAULT_PARSER_CLASSES"]
)
def test_each_api_setting_imports_first_in_a_fresh_process(setting, tmp_path):
    """A Celery worker runs Django's checks before it imports any view; DRF's pagination
    check then imported net247.api, which imported DRF's views, which read the parser
    setting pointing back into net247.api: the worker and beat never started on Redis."""
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    script = (
        "import django; django.setup(); from rest_framework.settings import api_settings;"
        f"api_settings.{setting}"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "DJANGO_SETTINGS_MODULE": "net247.settings", "SECRET_KEY": "x",
             "NODE_VAR_DIR": str(tmp_path)},
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]


def test_a_sqlite_database_url_starts_without_the_postgresql_pool(tmp_path):
    """DATABASE_URL=sqlite:///path (a benchmark's throw-away database) gets neither the
    psycopg pool nor prepared statements: SQLite refused them ("'pool' is an invalid
    keyword argument") and the node did not start."""
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    run = subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default"],
        env={**clean, "SECRET_KEY": "x", "NODE_VAR_DIR": str(tmp_path),
             "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}", "DB_POOL_MAX_SIZE": "8"},
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "System check identified no issues" in run.stdout
