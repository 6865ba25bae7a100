"""Screenshots the browser tests take for the README (docs/screenshots/ holds the copies).

They land in var/screenshots/ (or NET247_SCREENSHOT_DIR); `make screenshots` copies them
into docs/screenshots/ after a run, so the README shows what the tests saw.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def save(page: Any, name: str) -> Path:
    directory = Path(os.environ.get("NET247_SCREENSHOT_DIR", ROOT / "var" / "screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
