"""The demo federation: five nodes with demo users, rotas and synthetic cases.

    python -m deploy.federation demo [--scenario]      (what `make demo` runs)

Every node is a demo node (NODE_DEMO=1: its login page shows the current TOTP code, which
a production node refuses to enable). Everything here is synthetic: names, cases, phone
numbers (reserved fictional ranges) and domains (.example / .test).
With --scenario, a scripted scenario is played through the public API, step by step.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from deploy.federation import Federation, Node, Progress
from node import places

ROLES = [
    ("prosecutor", "duty"),
    ("prosecutor", "duty2"),
    ("coordinator", "coord"),
    ("auditor", "audit"),
    ("admin", "admin"),
]
UNIT = "cyber"


def username(country: str, suffix: str) -> str:
    return f"{country.lower()}-{suffix}"


def _logins_path(node: Node) -> Path:
    return node.dir / "demo-logins.json"


def _seed_users(node: Node) -> dict[str, dict[str, str]]:
    """Create the demo users once; their passwords and TOTP secrets are kept beside the node."""
    path = _logins_path(node)
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    logins: dict[str, dict[str, str]] = {}
    for role, suffix in ROLES:
        name = username(node.country, suffix)
        password = f"demo-{secrets.token_hex(4)}-{node.country.lower()}"
        secret = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
        pw_file = node.dir / f".pw-{name}"
        secret_file = node.dir / f".totp-{name}"
        pw_file.write_text(password, encoding="utf-8")
        secret_file.write_text(secret, encoding="utf-8")
        pw_file.chmod(0o600)
        secret_file.chmod(0o600)
        node.manage(
            "user", "create", "--username", name, "--role", role,
            "--password-file", str(pw_file), "--totp-secret-file", str(secret_file),
            "--unit", UNIT, "--email", f"{name}@{node.country.lower()}.net247.test",
            "--phone", "+10000000000",
        )  # fmt: skip
        pw_file.unlink()
        secret_file.unlink()
        logins[name] = {"role": role, "password": password, "totp_secret": secret}
    for name, login in logins.items():
        if login["role"] in ("coordinator", "prosecutor"):
            login["token"] = node.manage("token", "create", "--user", name).strip().splitlines()[-1]
    path.write_text(json.dumps(logins, indent=1), encoding="utf-8")
    path.chmod(0o600)
    return logins


def _seed_rota(node: Node) -> None:
    """Both prosecutors take turns daily at 09:00, from yesterday on, so someone is on call now.

    Alert e-mails go to files under the node's mail/ directory (the demo has no SMTP server).
    """
    duty = [username(node.country, s) for s in ("duty", "duty2")]
    # Coordinators and admins too: publishing refuses an escalation that cannot wake them.
    for name in [*duty, username(node.country, "coord"), username(node.country, "admin")]:
        node.manage("oncall", "channel", "--user", name, "--email", f"{name}@net247.test")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    node.manage(
        "oncall", "set", "--schedule", "default", "--users", ",".join(duty),
        "--handoff", "09:00", "--rotation", "daily", "--start", yesterday,
    )  # fmt: skip


class Api:
    """The public REST API of one node, as a coordinator or prosecutor uses it."""

    def __init__(self, node: Node, token: str) -> None:
        self.node = node
        self.client = httpx.Client(
            base_url=node.url + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=20,
        )

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, payload: dict[str, Any]) -> Any:
        response = self.client.post(path, json=payload)
        if response.status_code >= 400:
            raise RuntimeError(f"{self.node.country} POST {path}: {response.status_code} "
                               f"{response.text[:500]}")  # fmt: skip
        return response.json() if response.content else None


def _results(page: Any) -> list[Any]:
    return list(page["results"] if isinstance(page, dict) and "results" in page else page)


def _wait_for(what: str, probe: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.3)
    raise TimeoutError(f"timed out waiting for {what}")


SYNTHETIC_CASES = [
    {
        "title": "Online recruitment for 'webcam modelling' (synthetic)",
        "summary": "Synthetic demo case: adverts promising online work recruit young women.",
        "offence": {"country": "MD", "code": "CC", "article": "220/1"},
        "facts": ["adult_victim", "online", "webcam", "recruitment", "sexual_services"],
        "urgency": "routine",
        "indicators": [{"kind": "domain", "value": "models-job.example"}],
    },
]


def _seed_cases(federation: Federation, logins: dict[str, dict[str, dict[str, str]]]) -> None:
    marker = federation.node("MD").dir / "demo-cases-seeded"
    if "MD" not in federation.nodes or marker.exists():
        return
    md = Api(federation.node("MD"), logins["MD"][username("MD", "coord")]["token"])
    for case in SYNTHETIC_CASES:
        md.post("/cases/", case)
    marker.write_text("1", encoding="utf-8")


def say(step: str, text: str) -> None:
    print(f"\n[{step}] {text}", flush=True)


def play_scenario(federation: Federation, logins: dict[str, dict[str, dict[str, str]]]) -> None:
    """MD notifies KZ and KG; KZ acknowledges; KG files a takedown; a mirror is joined."""

    def api(country: str, suffix: str) -> Api:
        return Api(federation.node(country), logins[country][username(country, suffix)]["token"])

    md, kz = api("MD", "coord"), api("KZ", "coord")
    on_call = on_call_now(kz) or username("KZ", "duty")
    kz_duty = Api(federation.node("KZ"), logins["KZ"][on_call]["token"])
    say("1", "MD coordinator opens a case under MD art. 220/1 p.1 (an adult recruited for a "
        "webcam studio abroad) with indicators")  # fmt: skip
    phone = "+37369000123"
    case = md.post("/cases/", {
        "title": "Webcam studio recruiting through Telegram (synthetic)",
        "summary": "Synthetic scenario: a 19-year-old recruited through Telegram adverts for "
                   "'online work'; the studio streams from abroad and keeps her earnings.",
        "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
        "facts": ["adult_victim", "online", "webcam", "recruitment", "sexual_services",
                  "sexual_display", "profit", "inducement", "pimping", "cross_border"],
        "urgency": "urgent",
        "indicators": [
            {"kind": "phone", "value": phone},
            {"kind": "domain", "value": "cam-work.example"},
            {"kind": "telegram", "value": "@camwork_jobs_demo"},
        ],
    })  # fmt: skip
    print(f"    case {case['reference']} created (id {case['id']})")
    for row in md.get(f"/cases/{case['id']}/compare/", to=["KZ", "KG"]):
        top = [_offence_line(r) for r in row["comparison"].get("results", [])[:2]]
        print(f"    legal map for {row['country']}: dual criminality {words(row['verdict'])}; "
              f"closest: {'; '.join(top)}")  # fmt: skip
    notified_at = time.monotonic()
    sent = md.post(f"/cases/{case['id']}/notify/", {"to": ["KZ", "KG"], "handling": "H1"})
    print(f"    notified KZ and KG: envelope {sent['envelope_id']}")

    say("2", "KZ receives it: origin verified, comparison with the Kazakh code")
    item = _wait_for(
        "the notification at KZ",
        lambda: next(
            (i for i in _results(kz.get("/inbound/")) if i.get("ref") == case["reference"]), None
        ),
    )
    detail = kz.get(f"/inbound/{item['id']}/")
    origin = detail["origin"]
    print(f"    inbound #{item['id']} from {origin['country']}, signature verified with "
          f"{origin['key_id']}: {words(origin['verified'])}")  # fmt: skip
    top = [_offence_line(r) for r in detail["comparison"].get("results", [])[:3]]
    print(f"    comparable KZ offences: {'; '.join(top)}")
    verdict = detail["comparison"].get("dual_criminality", {}).get("verdict")
    print(f"    dual criminality: {words(verdict)}")

    say("3", f"KZ's on-call prosecutor ({on_call}) is alerted and acknowledges")
    alert = _wait_for(
        "the alert of KZ's prosecutor on duty",
        lambda: next(
            (a for a in _results(kz_duty.get("/alerts/")) if a.get("state") == "triggered"), None
        ),
    )
    print(f"    alert #{alert['id']} seen {time.monotonic() - notified_at:.1f} s after the "
          f"notify call: {alert['title']}")  # fmt: skip
    kz_duty.post(f"/alerts/{alert['id']}/ack/", {})
    print(f"    acknowledged by {on_call}; the acknowledgement is signed back to MD")

    say("4", "MD sees the acknowledgement on its thread")
    thread = _wait_for("the acknowledgement at MD", lambda: _acked(md, sent))
    for ack in thread["acks"].get(sent["envelope_id"], []):
        print(f"    thread {thread['thread']}: acknowledged by {ack['by']} "
              f"at {ack['at'][11:19]} UTC")  # fmt: skip
    for delivery in thread["messages"][0].get("deliveries", []):
        print(f"    signed receipt from {delivery['destination']}: {words(delivery['status'])} "
              f"at {(delivery['delivered_at'] or '')[11:19]} UTC")  # fmt: skip
    print(f"    (page: {federation.node('MD').url}/cases/threads/{sent['envelope_id']}/)")

    say("5", "KG files a takedown request for two domains to all four others")
    kg = api("KG", "coord")
    takedown = kg.post("/takedowns/", {
        "targets": [{"domain": "cam-work.example"}, {"domain": "cam-work-mirror1.example"}],
        "legal_basis": {"country": "KG", "code": "CC", "article": "166"},
        "requested_action": "block",
        "urgency": "urgent",
        "indicators": [{"kind": "phone", "value": phone}],
        "evidence": [{"sha256": "a" * 64, "captured_at": "2026-11-28T10:00:00Z",
                      "kind": "screenshot"}],
        "to": ["KZ", "UZ", "TJ", "MD"],
    })  # fmt: skip
    print(f"    takedown {takedown['request_ref']} sent")

    say("6", "The others review it: KZ and UZ block, TJ refuses, MD is still reviewing")
    decisions = {"KZ": "blocked", "UZ": "blocked", "TJ": "refused", "MD": "under_review"}
    for country, status in decisions.items():
        coord = api(country, "coord")
        received = _wait_for(f"the takedown at {country}", lambda c=coord: next(
            (i for i in _results(c.get("/inbound/"))
             if i.get("ref") == takedown["request_ref"]), None))  # fmt: skip
        for target in ("cam-work.example", "cam-work-mirror1.example"):
            for step in dict.fromkeys(["under_review", status]):
                coord.post(f"/inbound/{received['id']}/takedown-status/",
                           {"target": target, "status": step, "note": "demo decision"})  # fmt: skip
        print(f"    {country}: {words(status)}")
    board = _wait_for("the board at KG", lambda: _board_complete(kg, takedown["id"]))
    first = next((step["at"] for row in board for step in row["steps"]), "")
    zone = places.utc_offset(datetime.fromisoformat(first)) if first else "UTC"
    print(f"    KG's board (times on KG's clock: Bishkek, {zone}):")
    for row in board:
        steps = " -> ".join(f"{words(s['status'])} {s['at'][11:19]}" for s in row["steps"])
        print(f"    board: {row['target']:26} {row['country']}  {steps}")

    say("7", "A new domain shares the phone number: it is proposed as a mirror and joined")
    kg.post("/cases/", {
        "title": "New advert site seen (synthetic)",
        "summary": "Synthetic: the same phone number advertises on a new domain.",
        "offence": {"country": "KG", "code": "CC", "article": "166"},
        "facts": ["online", "recruitment"],
        "urgency": "urgent",
        "indicators": [{"kind": "phone", "value": phone},
                       {"kind": "domain", "value": "cam-work-new.example"}],
    })  # fmt: skip
    proposal = _wait_for("a mirror proposal at KG", lambda: next(
        (p for p in _results(kg.get("/mirror-proposals/")) if p.get("status") == "proposed"),
        None))  # fmt: skip
    print(f"    proposed: {proposal['domain']} shares {proposal['shared_kind']} "
          f"{proposal['shared_value']} with {proposal['request_ref']}")  # fmt: skip
    joined = kg.post(f"/mirror-proposals/{proposal['id']}/join/", {})
    print(f"    joined as {joined.get('joined_as') or joined.get('request_ref')}")
    say("done", "scenario complete; the nodes keep running until Ctrl-C")


def on_call_now(api: Api) -> str | None:
    """Who is on call now at that node (the first person of the default schedule)."""
    for schedule in api.get("/alerts/on-call/"):
        for person in schedule.get("on_call", []):
            return str(person["username"])
    return None


# The narration is the operator's console (English): protocol and catalogue values in words.
# This process runs no Django, so the apps' translated label tables are not at hand.
WORDS = {
    "in_force": "in force",
    "verified_official": "verified against the official text",
    "verified_secondary": "verified from a secondary source",
    "partly_verified": "partly verified",
    "unverified": "unverified, a lead only",
    "satisfied": "satisfied",
    "not_satisfied": "not satisfied",
    "uncertain": "not clear",
    "under_review": "under review",
    "order_issued": "order issued",
    "platform_unresponsive": "platform unresponsive",
    "delivered": "delivered",
    "queued": "queued",
    "failed": "failed",
}


def words(value: Any) -> str:
    """A value as the narration says it: True/False as yes/no, codes in words."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return WORDS.get(text, text.replace("_", " "))


def _offence_line(result: dict[str, Any]) -> str:
    part = f"/{result['part']}" if result.get("part") else ""
    return f"{result['article']}{part} ({words(result['status'])}, {words(result['verification'])})"


def _acked(md: Api, sent: dict[str, Any]) -> dict[str, Any] | None:
    """The thread of the notification (its id is the thread's), once it carries an ack."""
    thread = md.get(f"/threads/{sent['envelope_id']}/")
    return dict(thread) if thread.get("acks") else None


def _board_complete(kg: Api, takedown_id: int) -> list[dict[str, Any]] | None:
    detail = kg.get(f"/takedowns/{takedown_id}/")
    rows = list(detail.get("board", []))
    wanted = {"blocked", "refused", "under_review"}
    return rows if rows and all(r["status"] in wanted for r in rows) else None


def _on_call_people(node: Node, logins: dict[str, dict[str, str]]) -> list[str] | None:
    """Usernames on call now at the node, every schedule (None when it cannot be asked)."""
    coord = logins.get(username(node.country, "coord"), {}).get("token", "")
    try:
        schedules = Api(node, coord).get("/alerts/on-call/")
    except (httpx.HTTPError, KeyError, TypeError, ValueError):
        return None
    people = [str(p["username"]) for s in schedules for p in s.get("on_call", [])]
    return list(dict.fromkeys(people))


def summary_lines(
    nodes: list[Node],
    logins: dict[str, dict[str, dict[str, str]]],
    on_call: dict[str, list[str] | None],
    elapsed: float,
) -> list[str]:
    """What the demo prints once it is up: each node's duty desk and who is on call there
    with their login first (what a newcomer needs), then every account."""
    lines = [f"net247 demo federation is up after {elapsed:.0f} s. Duty desks, and who is "
             "on call now:", ""]  # fmt: skip
    for node in nodes:
        people = on_call.get(node.country)
        who = "unknown" if people is None else (" and ".join(people) or "nobody")
        lines.append(f"  {node.country} duty desk: {node.url}/alerts/   on call now: {who}")
        for name in people or []:
            login = logins[node.country].get(name)
            if login:
                lines.append(f"      {login['role']:11} {name:12} password {login['password']}")
    lines += [
        "",
        "To log in: open the node's URL, give the username and password; the second step",
        "asks for a six-digit TOTP code, which a demo node shows on that very page (or add",
        "the user's TOTP secret below to an authenticator app).",
        "",
        "Every account (passwords and TOTP secrets are demo-only; kept in",
        f"{nodes[0].dir.parent if nodes else '.'}/<country>/demo-logins.json):",
        "",
    ]
    for node in nodes:
        lines.append(f"  {node.country}  {node.url}")
        for name, login in logins[node.country].items():
            lines.append(f"      {login['role']:11} {name:12} password {login['password']:22} "
                         f"TOTP secret {login['totp_secret']}")  # fmt: skip
    lines += ["", "Ctrl-C stops every node.", ""]
    return lines


def _print_logins(
    federation: Federation, logins: dict[str, dict[str, dict[str, str]]], elapsed: float
) -> None:
    nodes = list(federation)
    on_call = {node.country: _on_call_people(node, logins[node.country]) for node in nodes}
    print("\n" + "\n".join(summary_lines(nodes, logins, on_call, elapsed)), flush=True)


def main(args: argparse.Namespace) -> int:
    countries = [c.strip().upper() for c in args.countries.split(",")]
    progress = Progress()
    federation = Federation(
        countries, Path(args.dir), base_port=args.base_port,
        env={"NODE_DEMO": "1", "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"},
        database_url="", redis_url="", progress=progress,
    )  # fmt: skip

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # SIGTERM ends the demo the way Ctrl-C does

    signal.signal(signal.SIGINT, interrupt)  # also when started with SIGINT ignored (`&`)
    signal.signal(signal.SIGTERM, interrupt)
    logins: dict[str, dict[str, dict[str, str]]] = {}
    try:
        print(f"initialising {len(countries)} nodes under {federation.dir} ...", flush=True)
        federation.init()
        for node in federation:
            progress(f"{node.country}: users and rota...")
            logins[node.country] = _seed_users(node)
            _seed_rota(node)
        federation.start()
        if "MD" in federation.nodes:
            progress("MD: synthetic case...")
        _seed_cases(federation, logins)
        _print_logins(federation, logins, progress.elapsed())
        if args.scenario:
            play_scenario(federation, logins)
        while all(node.running for node in federation):
            time.sleep(1)
        for node in federation:
            if not node.running:
                print(f"{node.country} exited; see {node.log_path}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("\nstopping every node...", flush=True)
        federation.stop()
        print("stopped.", flush=True)
    return 0
