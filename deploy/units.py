"""The production kit's systemd units read as systemd would, for what runs the kit's own
command lines outside systemd: the deploy smoke tests and the benchmarks that serve a node
the way production does. Nobody keeps a copy of a command line; it is taken from the unit
and only what differs here (install path, ports, file locations) is substituted."""

from __future__ import annotations

import configparser
import re
import shlex
import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KIT = REPO / "deploy" / "production"
UNITS = KIT / "systemd"
INSTALL_DIR = "/opt/net247"


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
    if unknown:
        raise ValueError(f"systemd specifier {unknown} not emulated here")
    line = line.replace("%%", "\0").replace("%H", socket.gethostname()).replace("\0", "%")
    return shlex.split(line)


def replace_option(argv: list[str], option: str, value: str) -> list[str]:
    """Swap the value of `option` (`--port 1` or `--port=1`), which must be there once."""
    out = list(argv)
    spaced = [i for i, arg in enumerate(argv) if arg == option]
    joined = [i for i, arg in enumerate(argv) if arg.startswith(option + "=")]
    if len(spaced) + len(joined) != 1:
        raise ValueError(f"{option} must appear once in {argv}")
    if spaced:
        out[spaced[0] + 1] = value
    else:
        out[joined[0]] = f"{option}={value}"
    return out
