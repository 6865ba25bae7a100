"""Reading the production kit (deploy/production) the way systemd and nginx would.

The tests never keep their own copy of a command line: they take it from the unit files and
substitute only what differs on this machine (install path, ports, file locations).
"""

from __future__ import annotations

import configparser
import re
import shlex
import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KIT = REPO / "deploy" / "production"
UNITS = KIT / "systemd"
NGINX_SITE = KIT / "nginx" / "net247.conf"
ENV_TEMPLATE = KIT / "net247.env.example"
INSTALL_DIR = "/opt/net247"
SERVICES = ("net247-web", "net247-ws", "net247-worker", "net247-beat")


def read_unit(path: Path) -> configparser.ConfigParser:
    """Strict INI parse: a repeated section or key, or a line that is no key, is an error."""
    parser = configparser.ConfigParser(strict=True, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


def exec_start(name: str) -> list[str]:
    """The unit's ExecStart as argv, with the install path pointing at this checkout."""
    unit = read_unit(UNITS / f"{name}.service")
    line = unit["Service"]["ExecStart"].replace(INSTALL_DIR, str(REPO))
    # The systemd specifiers the units use: %H (host name) and %% (a percent sign).
    unknown = re.findall(r"%[^H%]", line.replace("%%", ""))
    assert not unknown, f"systemd specifier {unknown} not emulated by the tests"
    line = line.replace("%%", "\0").replace("%H", socket.gethostname()).replace("\0", "%")
    return shlex.split(line)


def replace_option(argv: list[str], option: str, value: str) -> list[str]:
    """Swap the value of `option` (`--port 1` or `--port=1`), which must be there once."""
    out = list(argv)
    spaced = [i for i, arg in enumerate(argv) if arg == option]
    joined = [i for i, arg in enumerate(argv) if arg.startswith(option + "=")]
    assert len(spaced) + len(joined) == 1, f"{option} must appear once in {argv}"
    if spaced:
        out[spaced[0] + 1] = value
    else:
        out[joined[0]] = f"{option}={value}"
    return out


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
