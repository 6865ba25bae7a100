"""Dependency audit (issue 17): the lock file is complete, and no locked version has a
known vulnerability in the sources this machine can reach.

    python -m deploy.audit_deps [--lock requirements.lock] [--offline] [--timeout 120]

1. The lock (`pip-compile --generate-hashes`, see docs/operations.md) pins every package
   with `==` and at least one hash, and pins each direct dependency of pyproject.toml at
   the version pyproject.toml names. A stale or unhashed lock fails (exit 2).
2. Vulnerabilities, from two sources, each named with its date in the output:
   - live: pip-audit asking the package index's advisory service about every locked
     version. It counts only when it answered for every package; a network that is down
     or a service that does not know the versions makes it "unavailable", which is said
     and is not a failure.
   - offline: the safety-db snapshot (a PyPI package pinned in the dev extras), always
     checked. Its date is printed with its age: advisories published after it are not in
     it, which is why the live source is tried first.
   Any known vulnerability from either source fails (exit 1).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str  # id (and CVE when known)
    summary: str
    source: str


@dataclass(frozen=True)
class LiveResult:
    available: bool
    note: str
    findings: tuple[Finding, ...] = ()


def read_lock(path: Path) -> tuple[dict[str, str], list[str]]:
    """{canonical name: version} and the problems of the lock (unpinned, unhashed)."""
    pins: dict[str, str] = {}
    problems: list[str] = []
    entries: list[list[str]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if raw[:1].isspace() and entries:
            entries[-1].append(line)
        else:
            entries.append([line])
    for entry in entries:
        text = " ".join(part.rstrip("\\").strip() for part in entry)
        if text.startswith("-"):
            continue  # an option line (none are expected with --no-emit-*)
        match = PIN.match(text)
        if match is None:
            problems.append(f"not pinned with ==: {text[:80]}")
            continue
        name = canonicalize_name(match.group(1))
        pins[name] = match.group(2)
        if "--hash=sha256:" not in text:
            problems.append(f"no hash for {name}=={match.group(2)}")
    return pins, problems


def direct_pins(pyproject: Path) -> dict[str, str]:
    """The `name==version` requirements of pyproject.toml (runtime and every extra)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    pins: dict[str, str] = {}
    for requirement in requirements:
        match = PIN.match(requirement.replace(" ", ""))
        if match:
            pins[canonicalize_name(match.group(1).split("[")[0])] = match.group(2)
    return pins


def lock_problems(lock: Path, pyproject: Path) -> tuple[dict[str, str], list[str]]:
    pins, problems = read_lock(lock)
    for name, version in sorted(direct_pins(pyproject).items()):
        if pins.get(name) != version:
            problems.append(
                f"{name}: pyproject.toml pins {version}, the lock has {pins.get(name, 'nothing')}"
                " (run `make lock`)"
            )
    return pins, problems


def snapshot() -> tuple[dict[str, Any], str, datetime]:
    """safety-db's advisories, its version and the date of its data. Read as a file of
    the installed distribution: the package's own __init__ opens a relative path and
    cannot be imported."""
    dist = metadata.distribution("safety-db")
    path = Path(str(dist.locate_file("safety_db/insecure_full.json")))
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = data.pop("$meta", {})
    taken = datetime.fromtimestamp(int(meta.get("timestamp", 0)), tz=UTC)
    return data, dist.version, taken


def offline_findings(pins: dict[str, str], advisories: dict[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    by_name: dict[str, Any] = {canonicalize_name(n): e for n, e in advisories.items()}
    for name, version in sorted(pins.items()):
        try:
            parsed = Version(version)
        except InvalidVersion:
            continue
        for entry in by_name.get(name, []):
            for spec in entry.get("specs", []):
                try:
                    hit = SpecifierSet(spec).contains(parsed, prereleases=True)
                except InvalidSpecifier:
                    continue
                if hit:
                    ident = entry.get("id", "?")
                    if entry.get("cve"):
                        ident += f" ({entry['cve']})"
                    summary = " ".join(str(entry.get("advisory", "")).split())[:160]
                    found.append(Finding(name, version, ident, summary, "safety-db"))
                    break
    return found


def interpret_pip_audit(report: dict[str, Any]) -> LiveResult:
    """pip-audit's JSON: it counts only if every dependency was looked up."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    if not dependencies or skipped:
        reason = skipped[0].get("skip_reason", "") if skipped else "no answer"
        return LiveResult(
            False,
            f"unavailable: {len(skipped)} of {len(dependencies)} packages not looked up "
            f"({' '.join(str(reason).split())[:120]})",
        )
    findings = tuple(
        Finding(
            canonicalize_name(d["name"]),
            d["version"],
            " ".join([v.get("id", "?"), *[a for a in v.get("aliases", []) if a][:2]]),
            " ".join(str(v.get("description", "")).split())[:160],
            "pip-audit",
        )
        for d in dependencies
        for v in d.get("vulns", [])
    )
    return LiveResult(True, f"answered for all {len(dependencies)} packages", findings)


def live(lock: Path, timeout: float) -> LiveResult:
    command = [
        sys.executable, "-m", "pip_audit", "--requirement", str(lock), "--no-deps",
        "--disable-pip", "--vulnerability-service", "pypi", "--format", "json",
        "--progress-spinner", "off", "--timeout", "15",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return LiveResult(False, f"unavailable: no answer within {timeout:.0f} s")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = " ".join((done.stderr or done.stdout).split())[-160:]
        return LiveResult(False, f"unavailable: pip-audit exit {done.returncode}: {tail}")
    return interpret_pip_audit(report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--lock", type=Path, default=LOCK)
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--offline", action="store_true", help="do not try the live service")
    parser.add_argument("--timeout", type=float, default=180.0, help="live check, seconds")
    args = parser.parse_args(argv)
    out = sys.stdout

    pins, problems = lock_problems(args.lock, args.pyproject)
    out.write(f"lock: {args.lock.name}, {len(pins)} packages pinned with hashes\n")
    if problems:
        for problem in problems:
            out.write(f"LOCK PROBLEM: {problem}\n")
        return 2

    findings: list[Finding] = []
    now = datetime.now(UTC)
    if args.offline:
        out.write("source live (pip-audit, package index advisories): skipped (--offline)\n")
    else:
        result = live(args.lock, args.timeout)
        out.write(
            f"source live (pip-audit, package index advisories) at {now:%Y-%m-%d %H:%M} UTC: "
            f"{result.note}\n"
        )
        findings.extend(result.findings)

    advisories, version, taken = snapshot()
    age = (now - taken).days
    out.write(
        f"source offline (safety-db {version} snapshot, advisories up to {taken:%Y-%m-%d}, "
        f"{age} days old): {len(advisories)} packages with advisories"
        + (f"; WARNING: advisories from the last {age} days are not in it" if age > 90 else "")
        + "\n"
    )
    findings.extend(offline_findings(pins, advisories))

    if findings:
        for f in findings:
            out.write(
                f"VULNERABLE {f.package}=={f.version}: {f.advisory} [{f.source}] {f.summary}\n"
            )
        out.write(f"dependency audit FAILED: {len(findings)} known vulnerabilities\n")
        return 1
    out.write("dependency audit passed: no known vulnerability in the sources above\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
