"""Rules over the apps' source that no linter checks for us."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "alerts", "audit", "cases", "exchange", "legal_map", "node", "net247")
SETTING_WITH_DEFAULT = re.compile(r"getattr\(\s*(django_)?settings\s*,")
CALL = re.compile(r"select_for_update\(([^)]*)\)")
# Written on the line above a lock that must be a full FOR UPDATE (the row's key changes
# or the row is deleted while locked), with the reason after it.
WAIVER = "# full row lock:"


def sources() -> list[tuple[str, int, str, list[str]]]:
    """(file, line number, line, all lines of the file) for every line of the apps."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            name = str(path.relative_to(ROOT))
            found += [(name, n, line, lines) for n, line in enumerate(lines, start=1)]
    return found


def test_every_row_lock_leaves_the_key_alone() -> None:
    """Row locks are FOR NO KEY UPDATE unless a comment says why a stronger one is needed:
    a full FOR UPDATE also blocks the foreign-key checks (FOR KEY SHARE) of every insert
    pointing at the locked row (see exchange/keyring.py)."""
    plain: list[str] = []
    files = {name: lines for name, _n, _line, lines in sources()}
    for name, lines in files.items():
        text = "\n".join(lines)
        for match in CALL.finditer(text):  # [^)]* spans lines: a call split over several
            number = text.count("\n", 0, match.start()) + 1
            waived = number > 1 and WAIVER in lines[number - 2]
            if "no_key=True" not in match.group(1) and not waived:
                plain.append(f"{name}:{number}")
    assert plain == [], f"select_for_update without no_key=True: {plain}"


def test_every_setting_is_declared_in_the_settings_module() -> None:
    """A setting read as getattr(settings, NAME, default) is one net247/settings.py does not
    declare: its default hides in the code and the operator never learns it exists."""
    hidden = [f"{name}:{n}" for name, n, line, _ in sources() if SETTING_WITH_DEFAULT.search(line)]
    assert hidden == [], f"settings read with a default instead of declared: {hidden}"


def settings_source() -> str:
    return (ROOT / "net247" / "settings.py").read_text(encoding="utf-8")


def test_every_setting_the_code_reads_is_declared_here_or_by_django() -> None:
    """`settings.NAME` in the apps is a name net247/settings.py assigns, or one of Django's
    own (global_settings): a name neither declares fails at run time, on the path that
    reads it, instead of here."""
    from django.conf import global_settings

    declared = set(re.findall(r"^([A-Z][A-Z0-9_]*)\s*[:=]", settings_source(), re.MULTILINE))
    read = {
        (name, match)
        for name, _n, line, _ in sources()
        for match in re.findall(r"\bsettings\.([A-Z][A-Z0-9_]*)", line)
    }
    unknown = sorted(
        f"{name}: {setting}"
        for name, setting in read
        if setting not in declared and not hasattr(global_settings, setting)
    )
    assert unknown == []


VENDOR = ROOT / "static" / "vendor"


def test_vendored_browser_assets_are_pinned_licensed_and_the_ones_pages_load() -> None:
    """Each vendored library (no CDN: nodes run on closed networks) is one release in a
    folder named `<name>-<version>`, with its licence beside it, listed with that version
    in static/vendor/README.md; its file says that version; every `vendor/` path a
    template loads exists. htmx comes pinned with django-htmx."""
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    folders = sorted(p for p in VENDOR.iterdir() if p.is_dir())
    assert folders
    for folder in folders:
        version = re.fullmatch(r"[a-z]+-(\d+\.\d+\.\d+)", folder.name)
        assert version is not None, folder.name
        assert list(folder.glob("LICENSE*")), f"{folder.name}: no licence file"
        row = re.search(
            rf"^\| `{re.escape(folder.name)}/` \|.*\| {re.escape(version[1])} \|", readme, re.M
        )
        assert row is not None, f"{folder.name}: not listed with its version in the README"
        assets = [p for p in folder.iterdir() if p.suffix in (".js", ".css")]
        assert assets and all(f"v{version[1]}" in p.read_text()[:300] for p in assets), folder
    loaded = set()
    for template in ROOT.rglob("templates/**/*.html"):
        if ".venv" not in template.parts:
            loaded |= set(re.findall(r"static '(vendor/[^']+)'", template.read_text()))
    assert loaded and all((ROOT / "static" / path).is_file() for path in loaded), loaded
    pins = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'"django-htmx==[\d.]+"', pins)
