"""One home for what the in-process tests set up: people, tokens, a node, cases, takedowns.

Everything goes through the real services (audited, validated) except `takedown`, which
writes a row directly because filing one sends a message. Users get the password
`PASSWORD` and, unless `totp=False`, a confirmed TOTP device (`tests.accounts.helpers`
computes its codes and gives sessions that passed TOTP).

- user(username, role="prosecutor", unit="", *, totp=True, email="", phone="") -> User
- prosecutor / coordinator / auditor / admin(username, unit="", **kw) -> User
- bearer(user, scope="write") -> {"HTTP_AUTHORIZATION": "Bearer ..."} for the test client
- node(settings, tmp_path, country="KZ", *peers): this process is that country's node
  (keys under tmp_path) with the FakePeers enrolled
- notification(peer, to="KZ", handling="H0", **body) -> a case.notification envelope from
  `peer`; signed_post(peer, envelope) -> the inbox's answer (Django's test client)
- inbound_item(**fields) -> InboundItem: a received notification written directly
- CASE, case(owner, **fields) -> Case; takedown(owner, request_ref, **fields) -> Takedown;
  takedown_step(takedown, target, country, status, after, note="") -> TakedownStep
- takedown_request(peer, to="KZ", handling="H0", **body) -> a takedown.request envelope
- people_on(node, [(name, role, unit)], paged=False) -> {name: Person(token, totp_secret)}:
  the same people on a real node process (tests/fednet.py), through its `manage.py shell`
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from django.test import Client
from django.utils import timezone

from accounts import services as accounts
from accounts.models import User
from cases import services as cases
from cases.models import Case, InboundItem, Takedown, TakedownStep
from deploy.federation import Node
from exchange import canonical
from exchange import services as exchange
from node import services as node_services
from tests.accounts.helpers import PASSWORD, create_user, new_secret
from tests.fednet import FakePeer


def user(
    username: str,
    role: str = "prosecutor",
    unit: str = "",
    *,
    totp: bool = True,
    email: str = "",
    phone: str = "",
) -> User:
    return create_user(username, role, unit, totp=totp, email=email, phone=phone)


def prosecutor(username: str, unit: str = "", **kw: Any) -> User:
    return user(username, "prosecutor", unit, **kw)


def coordinator(username: str, unit: str = "", **kw: Any) -> User:
    return user(username, "coordinator", unit, **kw)


def auditor(username: str, unit: str = "", **kw: Any) -> User:
    return user(username, "auditor", unit, **kw)


def admin(username: str, unit: str = "", **kw: Any) -> User:
    return user(username, "admin", unit, **kw)


def bearer(owner: User, scope: str = "write") -> dict[str, str]:
    """Headers for Django's test client: a real token, so requests pass authentication."""
    _row, token = accounts.token_create(user=owner, name="tests", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def node(settings: Any, tmp_path: Path, country: str = "KZ", *peers: FakePeer) -> None:
    """This test process becomes `country`'s node (a key in tmp_path) with `peers`
    enrolled at an address nothing listens on: what it sends stays queued."""
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = country
    node_services.node_init()
    for peer in peers:
        exchange.peer_add(
            country=peer.country, url="http://127.0.0.1:9", keys=[(peer.key_id, peer.public_key)]
        )


def notification(
    peer: FakePeer, to: str = "KZ", handling: str = "H0", **body: Any
) -> dict[str, Any]:
    """A case.notification envelope from `peer` (unsigned: signed_post signs it)."""
    fields = {
        "case_ref": f"{peer.country}-2026-0042",
        "title": "Вербовка веб-моделей",
        "summary": "Объявления в Telegram",
        "offence": {"country": peer.country, "code": "CC", "article": "220/1", "part": "1"},
        "facts": ["adult_victim", "online"],
        "indicators": [{"kind": "phone", "value": "+37369123456"}],
        "urgency": "urgent",
        **body,
    }
    return peer.envelope([to], type="case.notification", body=fields, handling=handling)


def takedown_request(
    peer: FakePeer, to: str = "KZ", handling: str = "H0", **body: Any
) -> dict[str, Any]:
    """A takedown.request envelope from `peer` (unsigned): block one domain under its
    art. 220/1, urgent; `body` overrides any member."""
    fields = {
        "request_ref": f"{peer.country}-TD-2026-0001",
        "targets": [{"domain": "webcam-jobs.md"}],
        "legal_basis": {"country": peer.country, "code": "CC", "article": "220/1"},
        "requested_action": "block",
        "urgency": "urgent",
        **body,
    }
    return peer.envelope([to], type="takedown.request", body=fields, handling=handling)


def signed_post(peer: FakePeer, envelope: dict[str, Any]) -> Any:
    """`envelope` signed by `peer`, posted to this process's inbox over Django's client
    (its response: status_code, content, json())."""
    raw = canonical.dumps(peer.sign(envelope))
    return Client().post("/federation/v1/inbox", raw, content_type="application/json")


def inbound_item(**fields: Any) -> InboundItem:
    """A notification received from KZ, written directly: nobody is granted or paged."""
    values: dict[str, Any] = {
        "kind": "notification",
        "origin": "KZ",
        "envelope_id": "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e81",
        "thread": "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e81",
        "handling": "H0",
        "ref": "KZ-2026-0071",
        "title": "t",
        "text": "s",
        "body": {"offence": {"country": "KZ", "code": "CC", "article": "309"}, "facts": []},
        "received_at": timezone.now(),
        **fields,
    }
    return InboundItem.objects.create(**values)


CASE: dict[str, Any] = {
    "title": "Recruitment of webcam models",
    "summary": "Adverts on Telegram promising online work.",
    "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
    "facts": ["adult_victim", "online", "webcam"],
    "urgency": "urgent",
    "indicators": [
        {"kind": "phone", "value": "+373 69 123 456"},
        {"kind": "domain", "value": "Models-Work.example.md"},
        {"kind": "telegram", "value": "@ModelsWork"},
    ],
}


def case(owner: User, **fields: Any) -> Case:
    """A case filed by `owner` through the service: CASE with `fields` overriding it."""
    return cases.case_create(actor=owner, **{**CASE, **fields})


def takedown(owner: User, request_ref: str, **fields: Any) -> Takedown:
    """A takedown of ours, written directly (no message sent): KZ art. 309, block, urgent;
    `fields` override any of them."""
    values: dict[str, Any] = {
        "targets": [{"domain": "models-work.example.md"}],
        "legal_country": "KZ",
        "legal_code": "CC",
        "legal_article": "309",
        "requested_action": "block",
        "urgency": "urgent",
        "envelope_id": str(uuid.uuid4()),
        **fields,
    }
    return Takedown.objects.create(request_ref=request_ref, created_by=owner, **values)


def takedown_step(
    takedown: Takedown, target: str, country: str, status: str, after: timedelta, note: str = ""
) -> TakedownStep:
    """A country's report on one target of `takedown`, `after` the takedown was filed,
    written directly (as if its takedown.status had been received)."""
    return TakedownStep.objects.create(
        takedown=takedown,
        target=target,
        country=country,
        status=status,
        at=takedown.created_at + after,
        note=note,
        envelope_id=str(uuid.uuid4()),
    )


class Person(NamedTuple):
    token: str
    totp_secret: str


# Run by a node's `manage.py shell -c`: the argument is one JSON document.
_CREATE_PEOPLE = """
import json
from accounts import services
from alerts import services as alerts
spec = json.loads(%r)
out = {}
for name, role, unit, secret in spec["people"]:
    user = services.user_create(username=name, role=role, password=spec["password"],
                                unit=unit, totp_secret=secret, phone=spec["phone"])
    if spec["paged"]:
        alerts.channel_add(user=user, kind="email", target=name + "@example.org")
    out[name] = services.token_create(user=user, name="test")[1]
print(json.dumps(out))
"""


def people_on(
    node: Node, people: Iterable[tuple[str, str, str]], paged: bool = False
) -> dict[str, Person]:
    """Create (name, role, unit) users on a running node with password PASSWORD, a TOTP
    device and a write token; `paged` gives each a phone and an e-mail channel, so alerts
    reach them."""
    people = list(people)
    secrets = {name: new_secret() for name, _role, _unit in people}
    spec = {
        "people": [(name, role, unit, secrets[name]) for name, role, unit in people],
        "password": PASSWORD,
        "phone": "+7 700 000 0000" if paged else "",
        "paged": paged,
    }
    out = node.manage("shell", "-c", _CREATE_PEOPLE % json.dumps(spec))
    tokens: dict[str, str] = json.loads(out.strip().splitlines()[-1])
    return {name: Person(token, secrets[name]) for name, token in tokens.items()}
