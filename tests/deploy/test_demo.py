"""The main job as a newcomer meets it: `python -m deploy.federation demo --scenario`
(what `make demo SCENARIO=1` runs), then the README's path to KZ's duty desk in Chromium.

Five real node processes on free ports in a temporary directory. The scenario must run
every step without an error; the login uses only what the demo printed (the on-call
prosecutor's name and password) and the code the demo node's second step shows; Ctrl-C
(SIGINT) must leave no node process behind.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.federation import ROOT

pytestmark = pytest.mark.federation
STEPS = ["[1]", "[2]", "[3]", "[4]", "[5]", "[6]", "[7]", "[done]"]


def five_free_ports() -> int:
    for _ in range(100):
        base = random.randrange(20000, 50000)
        try:
            for port in range(base, base + 5):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no five consecutive free ports")


def read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """The demo's output up to and including the line with `marker`."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"no {marker!r} within {timeout} s; output:\n{''.join(seen)[-4000:]}")


def processes_under(directory: Path) -> list[int]:
    """Processes whose environment points into the demo's directory (its nodes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"NODE_VAR_DIR={directory}".encode() in environ:
            found.append(int(entry.name))
    return found


def test_demo_scenario_then_a_newcomer_reaches_the_kz_duty_desk(tmp_path: Path) -> None:
    base = five_free_ports()
    directory = tmp_path / "federation"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    demo = subprocess.Popen(
        [sys.executable, "-m", "deploy.federation", "demo", "--scenario",
         "--base-port", str(base), "--dir", str(directory)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        printed = read_until(demo, "Ctrl-C stops every node", timeout=240)
        narration = read_until(demo, "scenario complete", timeout=180)
        for step in STEPS:
            assert step in narration, narration
        assert "Traceback" not in printed + narration
        assert "dual criminality: satisfied" in narration
        assert re.search(r"acknowledged by KZ prosecutor", narration), narration
        assert narration.count(" blocked ") >= 4 and " refused " in narration
        assert "joined as KG-TD-" in narration
        # Every time names its zone: the board's times are KG's, said once above them.
        assert "KG's board (times on KG's clock: Bishkek, UTC+6)" in narration, narration
        # The narration speaks words, not protocol or catalogue values.
        for raw in ("under_review", "order_issued", "in_force", "verified_secondary", "True"):
            assert raw not in narration, raw

        kz_url = f"http://127.0.0.1:{base}"
        assert httpx.get(kz_url + "/readyz", timeout=5).status_code == 200
        on_call = re.search(rf"KZ duty desk: {kz_url}/alerts/\s+on call now: (\S+)", printed)
        assert on_call, printed
        user = on_call.group(1)
        login = re.search(rf"prosecutor\s+{re.escape(user)}\s+password (\S+)", printed)
        assert login, printed
        reach_duty_desk(kz_url, user, login.group(1))
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGINT)  # what Ctrl-C sends
        demo.wait(timeout=90)
    assert "stopped." in (demo.stdout.read() if demo.stdout else "")
    time.sleep(1)
    assert processes_under(directory.resolve()) == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{base}/readyz", timeout=5)


def reach_duty_desk(kz_url: str, user: str, password: str) -> None:
    """The README's path: password, then the code the demo node's second step shows."""
    from playwright.sync_api import expect, sync_playwright

    from tests.accounts.helpers import launch_chromium

    with sync_playwright() as p:
        browser: Any = launch_chromium(p)
        try:
            page = browser.new_context().new_page()
            page.goto(kz_url + "/")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", password)
            page.click("main button[type=submit]")
            page.wait_for_url("**/accounts/totp/**")
            while 30 - time.time() % 30 < 4:  # not in the last seconds of a 30-s code step
                time.sleep(0.5)
            page.reload()
            code = page.locator(".demo-code strong").inner_text()
            page.fill("input[name=code]", code)
            page.click("main form button[type=submit]")
            page.wait_for_url(lambda url: "/accounts/" not in url)
            page.goto(kz_url + "/alerts/")
            expect(page.locator("h1")).to_have_text(re.compile("Дежурная часть|Duty desk"))
            # The scenario's alert, acknowledged by this very prosecutor.
            row = page.locator(
                "#alerts-body li.alert-card", has_text="Webcam studio recruiting through Telegram"
            )
            expect(row).to_have_attribute("data-state", "acknowledged")
        finally:
            browser.close()
