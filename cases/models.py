"""Cases, what was sent about them, what was received, and takedown requests.

Lifecycles (the services in services.py are the only writers):

- Case: open -> closed. Its reference is `<COUNTRY>-<YEAR>-<NNNN>`, per node.
- Notification: one row per destination of a `case.notification`; the envelope id is
  the thread of everything later exchanged with that country about the case.
- InboundItem: a received notification, request, response or takedown request:
  new -> assigned -> in_progress -> answered | closed. Keeps the origin (verified by the
  exchange), the receipt, and the legal-map comparison computed for this country.
- Takedown (ours): each (target, country) pair moves through the contract's
  `takedown.status` values; every reported step is a TakedownStep row, so the board can
  show how long each step took. A mirror joins an open takedown as a new Takedown with
  `mirror_of` set; receivers that already decided the original skip their review.
- InboundTakedownTarget: the receiver's decision per target of a received request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    IMMEDIATE = "immediate", _("Immediate")


class Handling(models.TextChoices):
    H0 = "H0", _("H0: any law-enforcement use")
    H1 = "H1", _("H1: not as evidence without consent")
    H2 = "H2", _("H2: not to third countries")
    H3 = "H3", _("H3: restrictions stated")


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    reference = models.CharField(max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"))
    offence_country = models.CharField(max_length=2)
    offence_code = models.CharField(max_length=60, default="CC")
    offence_article = models.CharField(max_length=40)
    offence_part = models.CharField(max_length=20, blank=True)
    facts = models.JSONField(default=list)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Chosen by a person when the case is filed (no silent H0); the notify form offers it.
    # Blank only for cases filed before the choice existed (and by API clients that
    # leave it to the notification).
    handling = models.CharField(max_length=2, choices=Handling.choices, blank=True)
    restrictions = models.TextField(blank=True)
    unit = models.CharField(max_length=100, blank=True)
    assigned = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_cases"
    )
    # Set when the case carries content received from another country: its handling
    # (H2) limits where the case may be sent.
    derived_from = models.ForeignKey(
        "InboundItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The case list's order: its pages are index range reads, not a sort of every case.
        indexes = [models.Index(fields=["-created_at", "-id"], name="cases_case_list_order")]

    def __str__(self) -> str:
        return self.reference

    @property
    def offence(self) -> dict[str, str]:
        ref = {
            "country": self.offence_country,
            "code": self.offence_code,
            "article": self.offence_article,
        }
        if self.offence_part:
            ref["part"] = self.offence_part
        return ref


class Victim(models.Model):
    """A victim by pseudonym only: no personal data is stored here or sent."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="victims")
    pseudonym = models.CharField(max_length=50)
    minor = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.pseudonym


class Notification(models.Model):
    """One destination of a sent `case.notification`; its envelope id is the thread."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notifications")
    country = models.CharField(max_length=2)
    handling = models.CharField(max_length=2, choices=Handling.choices)
    envelope_id = models.CharField(max_length=36, db_index=True)
    comparison = models.JSONField(default=dict)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "country"], name="notify_once_per_country")
        ]

    def __str__(self) -> str:
        return f"{self.case} -> {self.country}"


class InboundItem(models.Model):
    class Kind(models.TextChoices):
        NOTIFICATION = "notification", _("Notification")
        REQUEST = "request", _("Request")
        RESPONSE = "response", _("Response")
        TAKEDOWN = "takedown", _("Takedown request")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    kind = models.CharField(max_length=15, choices=Kind.choices)
    origin = models.CharField(max_length=2)
    # The key that signed it; the exchange verified the signature before storing.
    key_id = models.CharField(max_length=40, blank=True)
    envelope_id = models.CharField(max_length=36)
    thread = models.CharField(max_length=36, db_index=True)
    in_reply_to = models.CharField(max_length=36, blank=True)
    handling = models.CharField(max_length=2, choices=Handling.choices)
    # case_ref for cases, request_ref for takedowns.
    ref = models.CharField(max_length=64, db_index=True)
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    body = models.JSONField()
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    request_kind = models.CharField(max_length=15, blank=True)
    due_by = models.DateTimeField(null=True, blank=True)
    comparison = models.JSONField(default=dict)
    receipt = models.JSONField(default=dict)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    unit = models.CharField(max_length=100, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_items",
    )
    # A request or response about one of our own cases (case_ref is ours).
    local_case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="inbound"
    )
    mirror_of = models.CharField(max_length=64, blank=True)
    # case.update changes applied to a received notification, in order of arrival.
    updates = models.JSONField(default=list)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "envelope_id"], name="inbound_item_once")
        ]
        indexes = [
            # The received list's order (index range reads for its pages).
            models.Index(fields=["-received_at", "-id"], name="cases_inbound_list_order"),
            # "Not yet assigned" on the home page counts the items still new.
            models.Index(fields=["status"], name="cases_inbound_status"),
        ]

    def __str__(self) -> str:
        return f"{self.origin} {self.kind} {self.ref}"


class OutboundRequest(models.Model):
    """A `case.request` we sent about a case (ours or received) and its due date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")

    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    inbound = models.ForeignKey(
        InboundItem, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    case_ref = models.CharField(max_length=64)
    country = models.CharField(max_length=2)
    kind = models.CharField(max_length=15)
    text = models.TextField()
    due_by = models.DateTimeField()
    handling = models.CharField(max_length=2, choices=Handling.choices)
    envelope_id = models.CharField(max_length=36, unique=True)
    thread = models.CharField(max_length=36, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_ref} {self.kind} -> {self.country}"


class Takedown(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    request_ref = models.CharField(max_length=64, unique=True)
    targets = models.JSONField()  # [{"url": ...} | {"domain": ...}]
    legal_country = models.CharField(max_length=2)
    legal_code = models.CharField(max_length=60)
    legal_article = models.CharField(max_length=40)
    legal_part = models.CharField(max_length=20, blank=True)
    requested_action = models.CharField(max_length=10)
    evidence = models.JSONField(default=list)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    handling = models.CharField(max_length=2, choices=Handling.choices, default="H0")
    restrictions = models.TextField(blank=True)  # with H3: carried from the source (body)
    destinations = models.JSONField(default=list)
    envelope_id = models.CharField(max_length=36, db_index=True)
    mirror_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="mirrors"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="takedowns"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.request_ref

    @property
    def legal_basis(self) -> dict[str, str]:
        ref = {
            "country": self.legal_country,
            "code": self.legal_code,
            "article": self.legal_article,
        }
        if self.legal_part:
            ref["part"] = self.legal_part
        return ref

    @property
    def root_id(self) -> int:
        """The original request of a mirror family (a mirror never mirrors a mirror)."""
        return self.mirror_of_id or self.pk

    @property
    def target_names(self) -> list[str]:
        return [target_name(t) for t in self.targets]


def target_name(target: dict[str, Any]) -> str:
    """How a takedown's target is named in its steps and on the board: its URL or domain."""
    return str(target.get("url") or target.get("domain", ""))


class TakedownStep(models.Model):
    """One `takedown.status` reported by a country for one target of our request."""

    takedown = models.ForeignKey(Takedown, on_delete=models.CASCADE, related_name="steps")
    target = models.CharField(max_length=500)
    country = models.CharField(max_length=2)
    status = models.CharField(max_length=25)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    envelope_id = models.CharField(max_length=36)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["country", "envelope_id"], name="step_once")]

    def __str__(self) -> str:
        return f"{self.takedown} {self.target} {self.country} {self.status}"


class InboundTakedownTarget(models.Model):
    """The receiver's state for one target of a received takedown request."""

    item = models.ForeignKey(InboundItem, on_delete=models.CASCADE, related_name="targets")
    target = models.CharField(max_length=500)
    status = models.CharField(max_length=25, default="received")
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "target"], name="inbound_target_once")
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.target} {self.status}"


class Indicator(models.Model):
    """A normalised indicator of a case, a received item or a takedown (exactly one)."""

    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators"
    )
    inbound = models.ForeignKey(
        InboundItem, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators"
    )
    takedown = models.ForeignKey(
        Takedown, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators"
    )
    kind = models.CharField(max_length=15)
    raw = models.CharField(max_length=500)
    value = models.CharField(max_length=500)
    registrable_domain = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["kind", "value"]),
            models.Index(fields=["registrable_domain"]),
            # Local (case and takedown) indicators: what a received item is matched against.
            models.Index(
                fields=["kind", "value"],
                condition=models.Q(inbound__isnull=True),
                name="cases_indicator_local_kv",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class IndicatorHit(models.Model):
    """A received item shares an indicator with a local case or one of our takedowns."""

    inbound = models.ForeignKey(InboundItem, on_delete=models.CASCADE, related_name="hits")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="hits"
    )
    takedown = models.ForeignKey(
        Takedown, null=True, blank=True, on_delete=models.CASCADE, related_name="hits"
    )
    kind = models.CharField(max_length=15)
    value = models.CharField(max_length=500)
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-found_at", "-id"]

    def __str__(self) -> str:
        return f"hit {self.kind}:{self.value}"


class MirrorProposal(models.Model):
    """A new domain sharing a phone, handle or image hash with an open takedown."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        JOINED = "joined", _("Joined")
        DISMISSED = "dismissed", _("Dismissed")

    takedown = models.ForeignKey(Takedown, on_delete=models.CASCADE, related_name="proposals")
    domain = models.CharField(max_length=255)
    shared_kind = models.CharField(max_length=15)
    shared_value = models.CharField(max_length=500)
    source = models.CharField(max_length=100)  # e.g. "case MD-2026-0003", "inbound 12"
    # The received item the shared indicator came from (none for our own cases): its
    # handling code decides where a joined mirror may go (cases.handling). The code and
    # restrictions are copied so the rule holds even if the item is purged later.
    source_item = models.ForeignKey(
        InboundItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_origin = models.CharField(max_length=2, blank=True)
    source_handling = models.CharField(max_length=2, blank=True)
    source_restrictions = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    joined_as = models.ForeignKey(
        Takedown, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["takedown", "domain"], name="mirror_once")]

    def __str__(self) -> str:
        return f"{self.domain} ~ {self.takedown}"


class Counter(models.Model):
    """Per-node sequence for references (`MD-2026-0001`); locked when incremented."""

    name = models.CharField(max_length=40, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


# --- Private match (issue 22) -------------------------------------------------------------


class MatchQuery(models.Model):
    """A private match we asked a peer about a case's indicators (querying side).

    `items` are our own indicators as asked (`{kind, value, item}`); `client_key` is the
    one-time PSI key that alone can read the answer, erased once it is read."""

    class State(models.TextChoices):
        SENT = "sent", _("Waiting for the answer")
        ANSWERED = "answered", _("Answered")
        UNSUPPORTED = "unsupported", _("Private matching not supported")
        OVER_BUDGET = "over_budget", _("Daily budget exhausted")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="match_queries")
    peer = models.CharField(max_length=2)
    envelope_id = models.CharField(max_length=36, unique=True)
    items = models.JSONField(default=list)
    client_key = models.BinaryField(blank=True, default=b"")
    state = models.CharField(max_length=12, choices=State.choices, default=State.SENT)
    hits = models.JSONField(default=list)  # [{kind, value}] of ours the peer holds
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"match {self.case_id} @ {self.peer}: {self.state}"


class MatchServed(models.Model):
    """A private-match query a peer asked us (answering side): what we may know of it,
    its size and purpose, never its items (we cannot read them) nor its hits (we never
    learn them). Also the per-peer daily budget's count."""

    origin = models.CharField(max_length=2)
    envelope_id = models.CharField(max_length=36)
    case_ref = models.CharField(max_length=64)
    item_count = models.PositiveIntegerField()
    setup_version = models.PositiveIntegerField()
    served_at = models.DateTimeField()

    class Meta:
        ordering = ["-served_at", "-id"]
        indexes = [models.Index(fields=["origin", "served_at"])]
        constraints = [
            models.UniqueConstraint(fields=["origin", "envelope_id"], name="match_served_once")
        ]

    def __str__(self) -> str:
        return f"{self.origin} asked {self.item_count}"


class MatchSetup(models.Model):
    """The cached PSI setup of our local indicators (answering side), one per build.

    `key` blinds this build only (a rebuild makes a new key: that is the key rotation);
    `last_indicator_id` is the newest indicator it covers: indicators stored since are
    answered from a small filter built per query, so a new indicator matches at once.
    Removed ones keep matching until the next build (the staleness bound)."""

    key = models.BinaryField()
    setup = models.BinaryField()
    digest = models.CharField(max_length=43)  # of `setup`: a client holding it may skip it
    item_count = models.PositiveIntegerField()
    last_indicator_id = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64)  # of the item set: rebuild only on change
    max_client_items = models.PositiveIntegerField()
    built_at = models.DateTimeField()
    build_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"setup {self.pk}: {self.item_count} items"


class MatchPeerSetup(models.Model):
    """The newest setup filter a peer sent us (querying side), kept so that the next
    query can say it holds it and the answer can leave it out (about 5 bytes a peer's
    item). Replaced when the peer rebuilds."""

    peer = models.CharField(max_length=2, unique=True)
    digest = models.CharField(max_length=43)
    setup = models.BinaryField()
    stored_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.peer} setup {self.digest[:8]}"


# The blocking feed (cases.blocking): registered under this app.
from cases.blocking.models import FeedEntry, Registry  # noqa: E402, F401
