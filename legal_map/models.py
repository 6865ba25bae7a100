"""The catalogue of national offences and the coordinators' curated equivalences.

An Offence row is one article part of one national code, loaded from the versioned data
file (legal_map/data/catalogue-v<N>.json) by legal_map.loader; rows are reference data,
replaced as a whole when the file's version changes. Elements, penalties and amendments
are JSON with the shapes documented in docs/legal-map.md and checked by the loader.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Verification(models.TextChoices):
    """How far a record was checked. Only an official consolidated text makes a record
    `verified_official`; a secondary source quoting it (a report, news, a commentary, the
    OSCE papers) makes it `verified_secondary`."""

    VERIFIED_OFFICIAL = "verified_official", _("verified against the official text")
    VERIFIED_SECONDARY = "verified_secondary", _("verified from a secondary source")
    PARTLY_VERIFIED = "partly_verified", _("partly verified")
    UNVERIFIED = "unverified", _("unverified (lead only)")


# Labels of catalogue v1, still found in comparisons stored before v2: shown in words too.
LEGACY_LABELS = {
    "verified": _("verified (catalogue v1)"),
    "unverified_memory": _("unverified (lead only)"),
}


def verification_label(code: str) -> str:
    if code in Verification.values:
        return str(Verification(code).label)
    return str(LEGACY_LABELS.get(code, code))


class Status(models.TextChoices):
    IN_FORCE = "in_force", _("in force")
    DRAFT = "draft", _("draft")
    REPEALED = "repealed", _("repealed")


class Offence(models.Model):
    country = models.CharField(max_length=2, db_index=True)
    code = models.CharField(max_length=120)
    code_kind = models.CharField(max_length=20, default="criminal")  # criminal|contravention
    record_kind = models.CharField(max_length=20, default="offence")  # offence|definition|...
    article = models.CharField(max_length=40)
    article_key = models.CharField(max_length=40, db_index=True)
    part = models.CharField(max_length=40, blank=True)
    item = models.CharField(max_length=40, blank=True)
    number_verified = models.BooleanField(default=True)
    title_ru = models.TextField(blank=True)
    title_en = models.TextField(blank=True)
    title_national = models.TextField(blank=True)
    national_language = models.CharField(max_length=8, blank=True)
    elements = models.JSONField(default=dict)
    iccs = models.JSONField(default=list)
    penalties = models.JSONField(default=list)
    penalty_text = models.TextField(blank=True)
    in_force_from = models.DateField(null=True, blank=True)
    # The first day the wording certainly applies, when the day it took effect is unknown.
    in_force_from_certain = models.DateField(null=True, blank=True)
    in_force_to = models.DateField(null=True, blank=True)
    in_force_note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    amendments = models.JSONField(default=list)
    source_url = models.TextField(blank=True)
    source_document = models.TextField(blank=True)
    verification = models.CharField(max_length=20, choices=Verification.choices)
    official_version = models.DateField(null=True, blank=True)  # of the official text read
    sources = models.JSONField(default=list)
    confidence_detail = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["country", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "code", "article", "part", "item"],
                name="legal_map_offence_unique",
            )
        ]

    def __str__(self) -> str:
        part = f" p.{self.part}" if self.part else ""
        item = f" item {self.item}" if self.item else ""
        return f"{self.country} {self.article}{part}{item}"


class NationalCode(models.Model):
    """One national code (criminal or of contraventions, current or former) and the
    window in which the catalogue covers it: outside it, an absent offence is a gap in
    the catalogue, not a statement about the law."""

    country = models.CharField(max_length=2, db_index=True)
    code = models.CharField(max_length=120)
    code_kind = models.CharField(max_length=20, default="criminal")
    title_ru = models.TextField(blank=True)
    title_en = models.TextField(blank=True)
    in_force_from = models.DateField()
    in_force_to = models.DateField(null=True, blank=True)
    covered_from = models.DateField()
    covered_to = models.DateField(null=True, blank=True)
    source_url = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["country", "in_force_from"]
        constraints = [
            models.UniqueConstraint(fields=["country", "code"], name="legal_map_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.code}"


class CatalogueState(models.Model):
    """One row: which data-file version is loaded, and a token that changes on every edit.

    Why a token: each process caches the parsed catalogue; comparing this token (one
    indexed read) tells it when a load or a curated equivalence made the cache stale,
    also across processes and after a rolled-back test transaction.
    """

    version = models.CharField(max_length=20, blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    token = models.CharField(max_length=32, blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"catalogue v{self.version}"


class EquivalenceKind(models.TextChoices):
    RAISE = "raise", _("raise (boost the score)")
    PIN = "pin", _("pin (always first)")


class CuratedEquivalence(models.Model):
    """A coordinator's reviewed judgment that a target offence corresponds to a source one.

    Keyed by the offences' natural keys (not row ids) so that it survives a catalogue
    reload.
    """

    source_country = models.CharField(max_length=2)
    source_article = models.CharField(max_length=40)
    source_part = models.CharField(max_length=40, blank=True)
    target_country = models.CharField(max_length=2)
    target_article = models.CharField(max_length=40)
    target_part = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=10, choices=EquivalenceKind.choices)
    note = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return (
            f"{self.source_country} {self.source_article} -> "
            f"{self.target_country} {self.target_article} ({self.kind})"
        )
