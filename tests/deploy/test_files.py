"""The production kit's files parse, and everything they and the docs name exists.

nginx and systemd-analyze are used when installed (Debian packages nginx-light and systemd);
without them the test says so and skips: it never installs anything itself.
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from tests.deploy import kit, tls

# Every Python file that may read the environment, apart from tests, benchmarks and the
# demo runner (which sets the environment of the nodes it starts).
SKIP_DIRS = {".venv", "tests", "bench", "deploy", "migrations", "var", "node_modules"}
DOCS = [
    kit.REPO / "docs" / "operations.md",
    kit.REPO / "docs" / "serving.md",
    kit.REPO / "docs" / "architecture.md",
    kit.KIT / "README.md",
]


def _app_modules() -> list[Path]:
    return [
        path
        for path in kit.REPO.rglob("*.py")
        if not SKIP_DIRS.intersection(path.relative_to(kit.REPO).parts)
    ]


def _installed_paths(text: str, tmp_path: Path) -> str:
    env_file = tmp_path / "net247.env"
    env_file.touch()
    return text.replace("/etc/net247/net247.env", str(env_file)).replace(
        kit.INSTALL_DIR, str(kit.REPO)
    )


def test_units_parse_strictly_with_hardening_and_existing_binaries():
    units = sorted(kit.UNITS.glob("*.service"))
    assert {unit.stem for unit in units} >= set(kit.SERVICES)
    for path in units:
        service = kit.read_unit(path)["Service"]
        assert service["User"] == "net247", path
        assert service["EnvironmentFile"] == "/etc/net247/net247.env", path
        assert service["WorkingDirectory"] == kit.INSTALL_DIR, path
        for key, value in {
            "NoNewPrivileges": "yes",
            "ProtectSystem": "strict",
            "ProtectHome": "yes",
            "PrivateTmp": "yes",
            "ReadWritePaths": "/var/lib/net247",
            "CapabilityBoundingSet": "",
        }.items():
            assert service.get(key) == value, f"{path.name}: {key}={value} expected"
        argv = kit.exec_start(path.stem)
        binary = Path(argv[0])
        assert binary.parent == kit.REPO / ".venv" / "bin", argv[0]
        assert os.access(binary, os.X_OK), f"{path.name}: {binary} is not in the venv"
    target = kit.read_unit(kit.UNITS / "net247.target")
    assert set(target["Unit"]["Wants"].split()) == {f"{name}.service" for name in kit.SERVICES}
    timer = kit.read_unit(kit.UNITS / "net247-audit-verify.timer")
    assert timer["Timer"]["OnCalendar"] == "hourly"


def test_split_serving_layout_in_the_units():
    """HTTP through gunicorn sync workers on WSGI, WebSockets through uvicorn on ASGI."""
    web = kit.exec_start("net247-web")
    assert Path(web[0]).name == "gunicorn" and web[-1] == "net247.wsgi:application"
    ws = kit.exec_start("net247-ws")
    assert Path(ws[0]).name == "uvicorn" and ws[1] == "net247.asgi:application"
    worker = kit.exec_start("net247-worker")
    assert worker[1:4] == ["-A", "net247", "worker"]
    beat = kit.exec_start("net247-beat")
    assert beat[1:4] == ["-A", "net247", "beat"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_verifies_units_and_rates_them_hardened(tmp_path):
    names = []
    for path in sorted(kit.UNITS.iterdir()):
        (tmp_path / path.name).write_text(_installed_paths(path.read_text(), tmp_path))
        names.append(f"./{path.name}")
    verify = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = verify.stdout + verify.stderr
    assert verify.returncode == 0, output
    assert not re.search(r"Unknown|ignoring|not executable|Failed", output), output
    for name in names:
        if not name.endswith(".service"):
            continue
        security = subprocess.run(
            ["systemd-analyze", "security", "--offline=true", "--no-pager", name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        level = re.search(r"Overall exposure level for \S+: ([0-9.]+)", security.stdout)
        assert level, security.stdout + security.stderr
        # systemd rates below 4.0 as "OK"; the kit keeps every service well inside it.
        assert float(level.group(1)) <= 2.0, f"{name}: exposure {level.group(1)}"


@pytest.mark.skipif(
    not shutil.which("nginx"), reason="nginx not installed (Debian package nginx-light)"
)
def test_nginx_site_parses(tmp_path):
    # `nginx -t` binds nothing, so these ports are never opened.
    site = tls.nginx_site(tmp_path, web_port=1, ws_port=2, http_port=3, https_port=4)
    main = tls.nginx_main(tmp_path, site)
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    assert "[warn]" not in result.stderr, result.stderr


def test_nginx_site_routes_and_limits_as_documented():
    """What the smoke test cannot see (production names) is read from the file itself."""
    text = kit.NGINX_SITE.read_text()
    assert "proxy_set_header X-Real-IP $remote_addr;" in text
    assert "X-Real-IP $proxy_add" not in text and "$proxy_add_x_forwarded_for" not in text
    assert re.search(r"ssl_protocols\s+TLSv1\.2 TLSv1\.3;", text)
    assert re.search(r"return 301 https://\$host\$request_uri;", text)
    inbox = re.search(r"location = /federation/v1/inbox \{(.*?)\n    \}", text, re.S)
    assert inbox, "no location for the federation inbox"
    limit = re.search(r"client_max_body_size (\d+)k;", inbox.group(1))
    assert limit and 1024 < int(limit.group(1)) <= 1536, "1 MiB envelope plus some headroom"
    assert "limit_req zone=net247_inbox" in inbox.group(1)
    assert re.search(r"location ~ \^/accounts/\(login\|totp/verify\)/\$ \{\s*limit_req", text)


def test_env_template_lists_every_variable_the_node_reads_and_nothing_else():
    read: set[str] = set()
    file_capable: set[str] = set()
    for path in _app_modules():
        read |= kit.env_names_read(path)
        file_capable |= kit.env_str_names(path)
    kit_read = kit.env_names_read(kit.KIT / "gunicorn.conf.py")
    read.discard("DJANGO_SETTINGS_MODULE")  # set by manage.py, wsgi.py, asgi.py, celery.py
    assert {"NODE_COUNTRY", "DATABASE_URL", "SECRET_KEY", "REDIS_URL"} <= read  # parse works
    listed = kit.template_names()
    missing = {name for name in read - listed if f"{name}_FILE" not in listed}
    assert not missing, f"not explained in {kit.ENV_TEMPLATE.name}: {sorted(missing)}"
    unknown = {
        name
        for name in listed - read - kit_read
        if not (name.endswith("_FILE") and name[: -len("_FILE")] in file_capable)
        and not name.startswith("NODE_SIGNING_KEY_")
    }
    assert not unknown, f"listed but read by nothing: {sorted(unknown)}"
    keystore = (kit.REPO / "node" / "keystore.py").read_text()
    assert '"NODE_SIGNING_KEY_"' in keystore and "NODE_SIGNING_KEY_" in "".join(listed)


def test_env_template_makes_a_production_node_that_passes_the_deploy_checks(tmp_path):
    """The filled-in template (secrets swapped for files here) is a valid production config."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    env.update(kit.template_values())
    (tmp_path / "secret").write_text(secrets.token_urlsafe(64))
    (tmp_path / "smtp").write_text("x")
    env.update(
        {
            "SECRET_KEY_FILE": str(tmp_path / "secret"),
            "EMAIL_HOST_PASSWORD_FILE": str(tmp_path / "smtp"),
            "NODE_VAR_DIR": str(tmp_path / "var"),
            "NODE_KEY_DIR": str(tmp_path / "var" / "keys"),
        }
    )
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEPLOYMENT, s.SESSION_COOKIE_SECURE, s.DEBUG, "
        "s.DATABASES['default']['HOST'], s.DATABASES['default']['USER'], s.BACKGROUND, "
        "s.EMAIL_HOST_PASSWORD, s.TIME_ZONE]))"
    )
    env["DJANGO_SETTINGS_MODULE"] = "net247.settings"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=kit.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '["production", true, false, "/var/run/postgresql", "net247_app", "celery", "x", '
        '"Asia/Almaty"]'
    )
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=kit.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # HSTS and the HTTP->HTTPS redirect are nginx's (deploy/production/nginx/net247.conf).
    issues = set(re.findall(r"\((security\.W\d+)\)", check.stdout + check.stderr))
    assert issues <= {"security.W004", "security.W008"}, check.stdout + check.stderr


def test_gunicorn_conf_imports_and_reads_web_concurrency(monkeypatch):
    path = str(kit.KIT / "gunicorn.conf.py")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    conf = runpy.run_path(path)
    assert conf["worker_class"] == "sync"
    assert conf["wsgi_app"] == "net247.wsgi:application"
    assert conf["workers"] == (os.cpu_count() or 1) * 2 + 1
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(path)["workers"] == 3


def _manage_lines(text: str) -> list[list[str]]:
    """Each `manage.py ...` or `net247-manage [--owner] ...` command in the fenced code blocks
    of a document, as argv."""
    lines = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        for line in block.splitlines():
            found = re.search(
                r"(?:manage\.py|net247-manage)\s+(?:--owner\s+)?([a-z][\w-]*.*)", line
            )
            if not found or line.lstrip().startswith("#"):
                continue
            argv = []
            for token in shlex.split(found.group(1), comments=True):
                if token in {"|", "||", "&&", ";", ">", ">>", "2>&1"}:
                    break
                argv.append(token)
            lines.append(argv)
    return lines


def _subcommands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def test_every_manage_command_in_the_docs_and_units_exists_and_parses():
    """Each documented command line is parsed by the real command's own parser."""
    commands = get_commands()
    named = []
    for doc in DOCS:
        assert doc.exists(), doc
        named += [(doc.name, argv) for argv in _manage_lines(doc.read_text())]
    for unit in kit.UNITS.glob("*.service"):
        argv = kit.exec_start(unit.stem)
        if len(argv) > 2 and Path(argv[1]).name == "manage.py":
            named.append((unit.name, argv[2:]))
    assert len(named) >= 15, named
    missing = sorted({argv[0] for _, argv in named if argv[0] not in commands})
    assert not missing, f"manage.py commands named but not registered: {missing}"
    for source, argv in named:
        command = load_command_class(commands[argv[0]], argv[0])
        parser = command.create_parser("manage.py", argv[0])
        subs = _subcommands(parser)
        if subs:
            assert len(argv) > 1 and argv[1] in subs, f"{source}: {argv} (has {sorted(subs)})"
        try:
            parser.parse_args(argv[1:])
        except BaseException as exc:  # CommandError, or SystemExit from argparse
            raise AssertionError(f"{source}: manage.py {shlex.join(argv)}: {exc}") from exc


def test_shell_scripts_parse_and_env_template_is_plain_for_bash_and_systemd(tmp_path):
    for script in ("backup.sh", "net247-manage"):
        path = kit.KIT / script
        assert os.access(path, os.X_OK), f"{script} is not executable"
        check = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    # systemd's EnvironmentFile= and bash's `set -a; . file` read plain NAME=value lines alike.
    values = kit.template_values()
    for name, value in values.items():
        assert re.fullmatch(r"[^\s'\"$`\\]*", value), f"{name}: quote-free, space-free values"
    sourced = subprocess.run(
        ["bash", "-c", f"set -a; . {kit.ENV_TEMPLATE}; env -0"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
    )
    assert sourced.returncode == 0, sourced.stderr
    env = dict(item.split("=", 1) for item in sourced.stdout.split("\0") if "=" in item)
    assert {name: env[name] for name in values} == values


def test_net247_manage_refuses_owner_mode_unless_root(tmp_path):
    """Only root reaches the owner role; as anybody else the wrapper stops before Python."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv to drop privileges")
        prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
    # The script comes on standard input: `nobody` may not be able to read the checkout.
    result = subprocess.run(
        [*prefix, "bash", "-s", "--", "--owner", "migrate"],
        input=(kit.KIT / "net247-manage").read_text(encoding="utf-8"),
        env={"PATH": os.environ["PATH"], "NET247_ENV": "/nonexistent"},
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",
    )
    assert result.returncode == 2, result.stderr
    assert "must run as root" in result.stderr
