"""Reading the production kit (deploy/production) the way systemd and nginx would.

The tests never keep their own copy of a command line: they take it from the unit files and
substitute only what differs on this machine (install path, ports, file locations).
"""

from __future__ import annotations

import re
from pathlib import Path

from deploy.units import INSTALL_DIR, KIT, REPO, UNITS, exec_start, read_unit, replace_option

__all__ = ["INSTALL_DIR", "KIT", "REPO", "UNITS", "exec_start", "read_unit", "replace_option"]

NGINX_SITE = KIT / "nginx" / "net247.conf"
ENV_TEMPLATE = KIT / "net247.env.example"
SERVICES = ("net247-web", "net247-ws", "net247-worker", "net247-beat")


_ENV_CALL = re.compile(r"""\benv_(?:str|bool|int|list)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
_OS_ENV = re.compile(
    r"""os\.environ(?:\.get|\.setdefault)?\s*[\[(]\s*["']([A-Z][A-Z0-9_]*)["']|os\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def env_names_read(path: Path) -> set[str]:
    """Names of environment variables a module reads through net247.env or os.environ."""
    text = path.read_text(encoding="utf-8")
    names = set(_ENV_CALL.findall(text))
    for match in _OS_ENV.findall(text):
        names.update(name for name in match if name)
    return names


def env_str_names(path: Path) -> set[str]:
    """Those read through env_str, which also accepts NAME_FILE."""
    return set(re.findall(r"""\benv_str\(\s*["']([A-Z][A-Z0-9_]*)["']""", path.read_text()))


def template_names() -> set[str]:
    """Variables the template sets or shows (commented) as `NAME=...` at a line's start."""
    names = set()
    for line in ENV_TEMPLATE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s?([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


def template_values() -> dict[str, str]:
    """The uncommented assignments: what a filled-in copy would set."""
    values = {}
    for line in ENV_TEMPLATE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values
