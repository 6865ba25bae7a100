"""The page walk: a node with something in every state, every page of it, and the checks a
page must pass in each language (no raw internal value, no English on a Russian page, no
time without its zone).

`world()` builds a KZ node that received from MD (a FakePeer, through the real inbox) and
sent to it; `pages(world)` lists every page of the node's URL patterns that answers GET,
with fixture ids; `problems(html, language, allowed)` says what is wrong with one page.
Used by tests/test_walk.py (Django's test client) and tests/test_walk_browser.py (axe-core
in Chromium).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

# Patterns that are not pages: POST-only actions, downloads, the login steps (walked
# anonymously by the browser test), Django's admin (its own catalogue) and the API.
NOT_PAGES = {
    "cases:notify",
    "cases:inbound-assign",
    "cases:inbound-act",
    "cases:mirror-join",
    "cases:edit",
    "cases:status",
    "cases:thread-reply",
    "cases:takedown-chase",
    "alerts:ack",
    "alerts:resolve",
    "alerts:rota-publish",
    "legal_map:curation-revoke",
    "audit:export",
    "accounts:logout",
    "accounts:logout-everywhere",
    "accounts:token-revoke",
    "accounts:login",
    "accounts:totp-verify",
    "accounts:totp-enrol",
    "alerts:rota-new",
    "alerts:layer-delete",
    "alerts:override-delete",
    "alerts:channel-remove",
    "peers:refresh-keys",
    "cases:registry-revoke",
    "cases:match",
}
NAMESPACES = {"accounts", "alerts", "audit", "cases", "legal_map", "peers"}
ROOT_PAGES = {"home"}

ROLES = ("prosecutor", "coordinator", "auditor", "admin")
LANGUAGES = ("ru", "en")


@dataclass
class World:
    users: dict[str, Any]
    kwargs: dict[str, list[dict[str, Any]]]
    extra: list[tuple[str, str]] = field(default_factory=list)  # (name, URL with a query)
    allowed_latin: set[str] = field(default_factory=set)


def world() -> World:
    """Everything in every state (call inside a django_db test with a KZ node set up)."""
    from alerts import services as alert_services
    from alerts import sources
    from alerts.models import Alert
    from cases import services
    from cases.blocking import services as blocking_services
    from cases.blocking.models import FeedEntry, Registry
    from cases.models import Case, InboundItem, MatchQuery, MirrorProposal
    from cases.takedowns import takedown_status_report
    from exchange import checkpoints, outbox
    from exchange import services as exchange_services
    from exchange.models import OutboxEntry
    from node import services as node_services
    from tests import factories
    from tests.accounts.helpers import create_user
    from tests.fednet import FakePeer

    md, kg = FakePeer("MD"), FakePeer("KG")
    node_services.node_init()
    for fake in (md, kg):  # KG: a peer the case was not notified to (private match, notify)
        exchange_services.peer_add(
            country=fake.country, url="http://127.0.0.1:9", keys=[(fake.key_id, fake.public_key)]
        )
    users = {
        "prosecutor": create_user(
            "kz.prosecutor", "prosecutor", "cyber", email="prosecutor@example.kz"
        ),
        "coordinator": create_user(
            "kz.coordinator", "coordinator", "hq", email="coordinator@example.kz"
        ),
        "auditor": create_user("kz.auditor", "auditor"),
        "admin": create_user("kz.admin", "admin"),
    }
    for role in ("prosecutor", "coordinator"):
        alert_services.channel_add(user=users[role], kind="email", target=f"{role}@example.kz")
    schedule = alert_services.schedule_set(
        name="default",
        usernames=["kz.prosecutor", "kz.coordinator"],
        handoff=timezone.localtime().time().replace(hour=8, minute=0, second=0, microsecond=0),
        rotation="daily",
        start=timezone.localdate() - timedelta(days=1),  # covers now, even before 08:00
    )
    prosecutor, coordinator = users["prosecutor"], users["coordinator"]
    soon = timezone.now() + timedelta(days=1)
    override = alert_services.override_add(
        schedule=schedule, username="kz.coordinator", start=soon, end=soon + timedelta(hours=8)
    )
    case = services.case_create(
        actor=prosecutor,
        title="Вербовка веб-моделей",
        summary="Объявления о работе в Интернете",
        offence={"country": "KZ", "code": "CC", "article": "128", "part": "1"},
        facts=["adult_victim", "online", "deception"],
        urgency="urgent",
        indicators=[{"kind": "phone", "value": "+77011234567"}],
    )
    services.case_notify(actor=prosecutor, case=case, to=["MD"], handling="H2")
    asked = services.request_send(
        actor=prosecutor,
        kind="preservation",
        text="Просим сохранить данные абонента",
        urgency="urgent",
        case=case,
        country="MD",
    )
    closed = services.case_create(
        actor=prosecutor,
        title="Закрытое дело",
        summary="Проверка",
        offence={"country": "KZ", "code": "CC", "article": "128", "part": "1"},
        facts=["online"],
        urgency="immediate",
        indicators=[],
    )
    Case.objects.filter(pk=closed.pk).update(status="closed")

    def post(envelope: dict[str, Any]) -> dict[str, Any]:
        from django.test import Client

        from exchange import canonical

        raw = canonical.dumps(md.sign(envelope))
        answer = Client().post("/federation/v1/inbox", raw, content_type="application/json")
        assert answer.status_code in (200, 202), answer.content
        return envelope

    offence = {"country": "MD", "code": "CC", "article": "220/1", "part": "1"}
    note = post(
        md.envelope(
            ["KZ"],
            type="case.notification",
            handling="H1",
            body={
                "case_ref": "MD-2026-0042",
                "title": "Вербовка веб-моделей",
                "summary": "Объявления в мессенджере",
                "offence": offence,
                "facts": ["adult_victim", "online", "webcam"],
                # The second is one of KZ's case: an indicator_hit alert.
                "indicators": [
                    {"kind": "phone", "value": "+37369123456"},
                    {"kind": "phone", "value": "+77011234567"},
                ],
                "urgency": "immediate",
            },
        )
    )
    post(
        md.envelope(
            ["KZ"],
            type="case.request",
            thread=note["thread"],
            body={
                "case_ref": "MD-2026-0042",
                "request_ref": "MD-RQ-2026-0001",
                "kind": "preservation",
                "text": "Просим сохранить данные",
                "urgency": "urgent",
            },
        )
    )
    post(
        factories.takedown_request(
            md, targets=[{"domain": "webcam-jobs.md"}, {"domain": "webcam-jobs2.md"}]
        )
    )
    items = list(InboundItem.objects.order_by("pk"))
    takedown_item = next(i for i in items if i.kind == "takedown")
    takedown_status_report(
        actor=coordinator, item=takedown_item, target="webcam-jobs.md", status="under_review"
    )
    takedown_status_report(
        actor=coordinator, item=takedown_item, target="webcam-jobs2.md", status="refused",
        note="Нет оснований",
    )  # fmt: skip
    # The blocking feed: an order (an entry to block) that a registry confirmed, with
    # its pull; a refusal corrected with a reason.
    takedown_status_report(
        actor=coordinator, item=takedown_item, target="webcam-jobs.md", status="order_issued"
    )
    registry, _token = blocking_services.registry_add(name="Кибернадзор", actor=coordinator)
    entry = FeedEntry.objects.get(target="webcam-jobs.md")
    blocking_services.entry_confirm(
        registry=registry, cursor=entry.cursor, result="blocked", at=timezone.now()
    )
    Registry.objects.filter(pk=registry.pk).update(
        last_pull_at=timezone.now(), last_cursor=entry.cursor
    )
    takedown_status_report(
        actor=coordinator, item=takedown_item, target="webcam-jobs2.md", status="under_review",
        note="Получено решение суда",
    )  # fmt: skip
    statuses = [s.value for s in InboundItem.Status]
    for item, status in zip(items, statuses[1:], strict=False):
        InboundItem.objects.filter(pk=item.pk).update(status=status)

    ours = factories.takedown(
        coordinator,
        "KZ-TD-2026-0001",
        targets=[{"domain": "models-work.example.kz"}, {"url": "https://t.me/modelswork"}],
        legal_article="128",
        destinations=["MD", "KG", "UZ", "TJ"],
    )
    # Every kind of cell: steps forward, an end, a refusal with its reason, a correction
    # with its reason, a step back without one (kept, not applied), and a pending cell.
    flow = [
        ("MD", "received", ""),
        ("MD", "under_review", ""),
        ("MD", "order_issued", ""),
        ("MD", "blocked", ""),
        ("KG", "removed", ""),
        ("UZ", "refused", "Нет решения суда"),
        ("TJ", "blocked", ""),
        ("TJ", "under_review", "Решение суда отменено"),
        ("MD", "received", ""),
    ]
    for n, (country, status, reason) in enumerate(flow):
        after = timedelta(hours=n + 1)
        factories.takedown_step(ours, "models-work.example.kz", country, status, after, reason)
    MirrorProposal.objects.create(
        takedown=ours,
        domain="models-work2.example.kz",
        shared_kind="phone",
        shared_value="+77011234567",
        source=case.reference,
    )

    # Private match: the newest check per country, in every state, on both cases.
    checks = [
        (case, "MD", "answered", [{"kind": "phone", "value": "+77011234567"}], ""),
        (case, "KG", "answered", [{"kind": "phone", "value": "+77011234567"}], ""),
        (case, "UZ", "sent", [], ""),
        (case, "TJ", "over_budget", [], ""),
        (closed, "MD", "unsupported", [], ""),
        (closed, "KG", "failed", [], "HTTP 503"),
        (closed, "UZ", "answered", [], ""),
    ]
    queries: dict[tuple[int, str], MatchQuery] = {}
    for on, country, state, hits, error in checks:
        queries[(on.pk, country)] = MatchQuery.objects.create(
            case=on,
            peer=country,
            envelope_id=str(uuid.uuid4()),
            items=[{"kind": "phone", "value": "+77011234567", "item": "x"}],
            state=state,
            hits=hits,
            error=error,
            created_by=prosecutor,
            answered_at=timezone.now() if state == "answered" else None,
        )

    sources.on_delivery_failed(None, destination="MD", envelope_id="e-1", reason="HTTP 503")
    sources.on_delivery_failed(
        None, destination="MD", envelope_id="e-2", reason="clock_skew", code="clock_skew"
    )
    sources.on_delivery_overdue(None, destination="MD", envelope_id="e-3", urgency="immediate")
    # Every other kind of alert the node raises itself, so each is read in both languages.
    sources.on_message_refused(
        None, origin="MD", envelope_id="e-4", type="audit.checkpoint", reason="not an extension",
        details={"witnessed": {"size": 12, "root_hash": "ab" * 32},
                 "claimed": {"size": 9, "root_hash": "cd" * 32}},
    )  # fmt: skip
    from exchange.models import InboundMessage

    failed = InboundMessage(origin="MD", type="case.request", error="KeyError", envelope_id="e-5")
    sources.on_message_failed(None, message=failed)
    sources.check_peer_silence(timezone.now() + timedelta(days=2))
    sources.check_unacknowledged(timezone.now() + timedelta(hours=2))
    from cases.models import Notification

    ours_thread = Notification.objects.filter(case=case).values_list("envelope_id", flat=True)[0]
    post(
        md.envelope(
            ["KZ"],
            thread=ours_thread,
            body={"case_ref": case.reference, "changes": {}, "note": "Получили, работаем"},
        )
    )
    alerts = list(Alert.objects.order_by("pk"))
    from alerts.labels import KIND_LABELS

    # Every kind the node raises is read on the desk and the alert pages (due_soon: no
    # part of the node raises it).
    unwalked = set(KIND_LABELS) - {a.kind for a in alerts} - {"due_soon"}
    assert not unwalked, f"the walk's node raised no alert of kind {sorted(unwalked)}"
    alert_services.alert_acknowledge(alert=alerts[0], actor=prosecutor)
    alert_services.alert_resolve(alert=alerts[1], actor=coordinator, note="Проверено")

    # The auditor's witnesses: MD co-signed a checkpoint; a newer one waits for it.
    checkpoints.send()
    first = OutboxEntry.objects.get(message__type="audit.checkpoint", destination__country="MD")
    message = first.message
    receipt = md.envelope(
        ["KZ"], type="receipt", in_reply_to=message.envelope_id, thread=message.thread,
        body={"ref": message.envelope_id, "digest": message.digest,
              "received_at": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")},
    )  # fmt: skip
    outbox._delivered(first, md.sign(receipt), 202)
    checkpoints.send()

    from cases.models import InboundItem as Item
    from legal_map.models import Offence

    kwargs: dict[str, list[dict[str, Any]]] = {
        "cases:detail": [{"pk": case.pk}, {"pk": closed.pk}],
        "cases:print": [{"pk": case.pk}],
        "cases:inbound-detail": [{"pk": item.pk} for item in Item.objects.order_by("pk")],
        "cases:thread": [{"thread": uuid.UUID(note["thread"])}],
        "cases:takedown-detail": [{"pk": ours.pk}],
        "alerts:detail": [{"pk": alert.pk} for alert in Alert.objects.order_by("pk")],
        "alerts:layer-new": [{"name": schedule.name}],
        "alerts:layer-edit": [{"name": schedule.name, "pk": schedule.layers.get().pk}],
        "alerts:override-new": [{"name": schedule.name}],
        "alerts:override-edit": [{"name": schedule.name, "pk": override.pk}],
        "alerts:policy-edit": [{"urgency": u} for u in ("immediate", "urgent", "routine")],
        "peers:key-distrust": [{"key_id": md.key_id}],
        "peers:deactivate": [{"country": "MD"}],
        # The REST API's routes (api_routes), by their URL names.
        "cases-api-detail": [{"pk": case.pk}],
        "cases-api-compare": [{"pk": case.pk}],
        "cases-api-export": [{"pk": case.pk}],
        "threads-api-detail": [{"thread": uuid.UUID(note["thread"])}],
        "inbound-api-detail": [{"pk": item.pk} for item in Item.objects.order_by("pk")],
        "requests-api-detail": [{"pk": asked.pk}],
        "takedowns-api-detail": [{"pk": ours.pk}],
        "cases-api-stix": [{"pk": case.pk}],
        "cases-api-match": [{"pk": case.pk}],
        "takedowns-api-stix": [{"pk": ours.pk}],
        "alerts-detail": [{"pk": alert.pk} for alert in Alert.objects.order_by("pk")],
        "legal-map-offence": [
            {"pk": Offence.objects.order_by("pk").values_list("pk", flat=True)[0]}
        ],
    }
    targeted = queries[(case.pk, "KG")].pk
    extra = [
        ("cases:detail", f"/cases/{case.pk}/?match={targeted}"),
        (
            "legal_map:explorer",
            "/legal-map/?country=MD&article=220%2F1&part=1&facts=adult_victim&facts=online",
        ),
        ("legal_map:explorer", "/legal-map/?country=MD&article=206&part=1"),
    ]
    # Names people and admins gave: usernames and units are proper nouns, not English.
    allowed = {u.username for u in users.values()} | {u.unit for u in users.values() if u.unit}
    # Rota names are slugs people choose ("default"; the form's example "coordinators").
    allowed |= {schedule.name, "coordinators"}
    return World(users=users, kwargs=kwargs, extra=extra, allowed_latin=allowed)


def _patterns(resolver: URLResolver, namespace: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in NAMESPACES:
                found += _patterns(entry, entry.namespace)
        elif entry.name:
            found.append((f"{namespace}:{entry.name}" if namespace else entry.name, entry))
    return found


def page_names() -> list[str]:
    """Every named page pattern of the node's own apps (API and federation excluded)."""
    return [
        name
        for name, _pattern in _patterns(get_resolver())
        if (":" in name or name in ROOT_PAGES) and name not in NOT_PAGES
    ]


API_PREFIX = "api/v1/"


def api_names() -> list[str]:
    """Every named route of the REST API (/api/v1/) whose view answers GET."""
    names: list[str] = []
    for entry in get_resolver().url_patterns:
        if not (isinstance(entry, URLResolver) and str(entry.pattern) == API_PREFIX):
            continue
        for route in entry.url_patterns:
            view = getattr(getattr(route, "callback", None), "view_class", None)
            if isinstance(route, URLPattern) and route.name and hasattr(view, "get"):
                names.append(route.name)
    return names


def api_routes(w: World) -> list[tuple[str, str]]:
    """(name, URL) of every GET route of the API, with ids once per id (as `pages`)."""
    from django.urls import reverse

    return [
        (name, reverse(name, kwargs=kwargs or None))
        for name in api_names()
        for kwargs in w.kwargs.get(name, [{}])
    ]


def pages(w: World) -> list[tuple[str, str]]:
    """(name, URL) of every page: a pattern without arguments once, with ids once per id."""
    from django.urls import reverse

    urls: list[tuple[str, str]] = []
    for name in page_names():
        for kwargs in w.kwargs.get(name, [{}]):
            urls.append((name, reverse(name, kwargs=kwargs or None)))
    return urls + w.extra


def sign_in_steps(w: World) -> list[tuple[str, str, Any]]:
    """(step, URL, Django test client at that step) for the pages before a session is
    verified, which no role's walk reaches: the password form (blank, and refused), the
    code after the password, and the enrolment of a user who has no authenticator yet."""
    from django.test import Client

    from tests.accounts.helpers import PASSWORD, create_user

    newcomer = create_user("kz.newcomer", "prosecutor", totp=False)
    w.allowed_latin.add(newcomer.username)
    steps: list[tuple[str, str, Any]] = [("login", "/accounts/login/", Client())]
    for step, username in (("totp-verify", "kz.prosecutor"), ("totp-enrol", "kz.newcomer")):
        client = Client()
        answer = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert answer.status_code == 302, (username, answer.status_code)
        steps.append((step, f"/accounts/totp/{step.split('-')[1]}/", client))
    return steps


# -- the checks --------------------------------------------------------------------------

_SKIP_TAGS = {"script", "style", "template", "noscript", "svg"}
# Code, keyboard input and sample output are not words of a language (a command, a header).
_CODE_TAGS = {"code", "kbd", "samp"}
_TEXT_ATTRS = ("title", "aria-label", "placeholder", "alt")


_VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "col", "area", "base"}


class _Text(HTMLParser):
    """Visible text; with `language`, text inside an element marked with another `lang`
    (a Romanian article title, the "English" of the language switch) is left out."""

    def __init__(self, language: str = "", code: bool = False, zoned: bool = False) -> None:
        super().__init__()
        self._code = code  # leave code out too
        self._zoned = zoned  # leave out containers that name their zone (data-zone)
        self.parts: list[str] = []
        self._skip = 0
        self._language = language
        self._stack: list[bool] = []  # per open element: does it leave its text out?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        if tag not in _VOID and tag not in ("p", "li", "option", "td", "th", "tr", "dt", "dd"):
            lang = dict(attrs).get("lang") or ""
            other = bool(self._language and lang and not lang.startswith(self._language))
            other = other or bool(self._code and tag in _CODE_TAGS)
            # Wall-clock times in a container that names its zone once (a rota calendar).
            other = other or bool(self._zoned and "data-zone" in dict(attrs))
            # Machine text quoted as the system gave it (an error of a peer, a transport
            # reason): marked class="verbatim" and lang="en"; never words of the page.
            other = other or bool(self._language and "verbatim" in (dict(attrs).get("class") or ""))
            self._stack.append(other)
            if other:
                self._skip += 1
        if not self._skip:
            self.parts += [v for n, v in attrs if n in _TEXT_ATTRS and v]
        if tag in ("br", "p", "div", "li", "td", "th", "tr", "dt", "dd", "option", "h1", "h2"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        closes = tag not in _VOID and tag not in ("p", "li", "option", "td", "th", "tr", "dt", "dd")
        if closes and self._stack and self._stack.pop() and self._skip:
            self._skip -= 1
        self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str, language: str = "", *, code: bool = False, zoned: bool = False) -> str:
    """The page's text; with `language`, without passages marked as another language
    (quoted as the system or a statute gave them); with `code`, without code either."""
    parser = _Text(language, code, zoned)
    parser.feed(html)
    return re.sub(r"[ \t\r\f\v]+", " ", "".join(parser.parts))


def raw_values() -> set[str]:
    """Internal values that must never be read as words: choices with '_' or '.', the
    protocol's message types, the fact vocabulary's tags, the alert kinds."""
    from django.apps import apps

    from alerts.labels import KIND_LABELS
    from cases.takedowns import STATUSES
    from exchange.schemas import INBOX_TYPES
    from legal_map.vocabulary import BY_TAG

    values: set[str] = set(INBOX_TYPES) | set(BY_TAG) | set(KIND_LABELS) | set(STATUSES)
    for config in apps.get_app_configs():
        if config.name not in {"accounts", "alerts", "audit", "cases", "exchange", "legal_map"}:
            continue
        for model in config.get_models():
            for f in model._meta.get_fields():
                for value, _label in getattr(f, "flatchoices", None) or []:
                    if isinstance(value, str):
                        values.add(value)
    for choices in models.TextChoices.__subclasses__():
        values.update(str(v) for v in choices.values)
    return {v for v in values if "_" in v or "." in v}


# Latin words a Russian page may show: names of things, not words of a language.
LATIN_ALLOWED = {
    "UTC", "TOTP", "API", "PDF", "CSV", "JSON", "URL", "HTTP", "HTTPS", "ID", "SIENA",
    "Telegram", "WhatsApp", "Instagram", "IBAN", "VK", "net247", "CC", "H0", "H1", "H2",
    "H3", "KZ", "KG", "UZ", "TJ", "MD", "RU", "EN", "TD", "RQ", "OK", "QR", "Ed25519", "SHA",
    "SHA-256", "E-mail",
    "Webhook", "WebSocket", "Chromium", "Google", "Authenticator", "FreeOTP", "Aegis",
    "English", "Русский", "ICCS", "RFC", "Merkle", "SMS",
}  # fmt: skip
_TIME = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?![\d:])")
_ZONE_AFTER = re.compile(r"^[^\n]{0,40}?UTC(?:[+\-−]\d|\b)")
_SCORE = re.compile(r"(?<![\d,.])0[.,]\d{3}(?![\d])")
_WORDISH = re.compile(r"\S+")
_LATIN = re.compile(r"[A-Za-z](?:[A-Za-z']|-(?=[A-Za-z]))*")


def _is_code(token: str) -> bool:
    """URLs, e-mail addresses, domains, handles, references, article numbers, hashes."""
    stripped = token.strip(".,;:()[]«»\"'!?")
    return bool(
        "@" in stripped
        or "/" in stripped
        or re.search(r"[A-Za-z0-9]\.[A-Za-z]", stripped)
        or re.search(r"\d", stripped)
        or re.fullmatch(r"[0-9a-f]{8,}", stripped)
        or "_" in stripped
    )


def problems(html: str, language: str, allowed: set[str], raw: set[str]) -> list[str]:
    text = visible_text(html, language)
    found: list[str] = []
    for value in sorted(raw):
        if re.search(rf"(?<![\w.\-]){re.escape(value)}(?![\w\-]|\.\w)", text):
            found.append(f"raw value {value!r}")
    for match in _SCORE.finditer(text):
        found.append(f"bare score {match.group(0)!r}")
    timed = visible_text(html, language, zoned=True)
    for match in _TIME.finditer(timed):
        if not _ZONE_AFTER.search(timed[match.end() :]):
            context = timed[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
            found.append(f"time without zone: {context!r}")
    if language == "ru":
        for token in _WORDISH.findall(visible_text(html, language, code=True)):
            if _is_code(token):
                continue
            for word in _LATIN.findall(token):
                if word not in LATIN_ALLOWED and word.lower() not in allowed:
                    found.append(f"Latin word {word!r} in {token!r}")
    return sorted(set(found))
