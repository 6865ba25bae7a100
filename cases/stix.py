"""STIX 2.1 export and import of a case's or a takedown's indicators (the `stix2` library).

Each net247 indicator is one STIX Indicator whose pattern is the usual observable for its
kind where STIX has one (domain-name, url, email-addr, user-account with its
account_type, file hashes), and an `x-net247-<kind>:value` custom object where it has
none (phone, wallet, IBAN).

Import takes a bundle as national CERTs and MISP write it: every indicator object's
pattern is read; those of a form above become indicators, normalised and checked exactly
as typed input (`cases.indicators.normalise`); a value that does not normalise refuses
the whole bundle, naming the object, and nothing is stored; an indicator of another form
(an IP address, a compound pattern) is counted as skipped. A bundle that is not STIX 2.1
JSON is refused with the library's reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

import stix2
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from stix2patterns.v21.pattern import Pattern

from audit.services import record
from cases import indicators as norm
from cases import matching
from cases.models import Case, Indicator, Takedown
from cases.services import ServiceError

HANDLES = ("telegram", "instagram", "vk")
# kind -> (STIX object type, property) for single-property patterns
SIMPLE = {
    "domain": ("domain-name", "value"),
    "url": ("url", "value"),
    "email": ("email-addr", "value"),
    "phone": ("x-net247-phone", "value"),
    "wallet": ("x-net247-wallet", "value"),
    "iban": ("x-net247-iban", "value"),
}
MAX_BYTES = 5_000_000


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _unliteral(text: str) -> str:
    if len(text) < 2 or text[0] != "'" or text[-1] != "'":
        return ""
    return text[1:-1].replace("\\'", "'").replace("\\\\", "\\")


def pattern_of(kind: str, value: str) -> str:
    if kind in HANDLES:
        return (
            f"[user-account:account_type = {_literal(kind)} AND "
            f"user-account:account_login = {_literal(value)}]"
        )
    if kind == "image_sha256":
        return f"[file:hashes.'SHA-256' = {_literal(value)}]"
    object_type, prop = SIMPLE[kind]
    return f"[{object_type}:{prop} = {_literal(value)}]"


def bundle_of(rows: Iterable[tuple[str, str]], label: str) -> str:
    """A STIX 2.1 bundle (JSON text) of (kind, value) indicators."""
    objects = [
        stix2.Indicator(
            name=f"{label}: {kind} {value}",
            pattern=pattern_of(kind, value),
            pattern_type="stix",
            labels=[f"net247-{kind}"],
            allow_custom=True,
        )
        for kind, value in rows
    ]
    return str(stix2.Bundle(objects=objects, allow_custom=True).serialize(pretty=False))


def _from_pattern(pattern: str) -> tuple[str, str] | None:
    """(kind, raw value) of a pattern of one of our forms, else None."""
    data = Pattern(pattern).inspect()
    if data.observation_ops or data.qualifiers or len(data.comparisons) != 1:
        return None
    ((object_type, comparisons),) = data.comparisons.items()
    found = {".".join(path): _unliteral(v) for path, op, v in comparisons if op == "="}
    if len(found) != len(comparisons):
        return None
    if object_type == "user-account" and set(found) == {"account_type", "account_login"}:
        kind = found["account_type"].lower()
        return (kind, found["account_login"]) if kind in HANDLES else None
    if object_type == "file" and set(found) == {"hashes.SHA-256"}:
        return "image_sha256", found["hashes.SHA-256"]
    for kind, (stix_type, prop) in SIMPLE.items():
        if object_type == stix_type and set(found) == {prop}:
            return kind, found[prop]
    return None


class Parsed(NamedTuple):
    indicators: list[dict[str, str]]  # normalised, in bundle order, no repeats
    skipped: int


def parse_bundle(text: str) -> Parsed:
    """The indicators of a bundle, normalised as typed input; ServiceError("bundle") with
    the reason when the bundle or one of its values is not acceptable."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ServiceError("bundle", _("The bundle is larger than 5 MB."))
    try:
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("type") != "bundle":
            raise ValueError("not a STIX bundle (type must be “bundle”)")
        bundle = stix2.parse(document, allow_custom=True, version="2.1")
    except (ValueError, stix2.exceptions.STIXError) as exc:
        raise ServiceError(
            "bundle", _("Not a valid STIX 2.1 bundle: %(reason)s") % {"reason": exc}
        ) from None
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    skipped = 0
    for obj in bundle.get("objects", []) or []:
        if obj.get("type") != "indicator":
            continue
        form = _from_pattern(obj["pattern"]) if obj.get("pattern_type") == "stix" else None
        if form is None:
            skipped += 1
            continue
        kind, raw = form
        try:
            value = norm.normalise(kind, raw, region=settings.NODE_COUNTRY).value
        except norm.IndicatorError as exc:
            raise ServiceError(
                "bundle",
                _("%(id)s: %(value)s is not a valid %(kind)s (%(reason)s).")
                % {"id": obj["id"], "value": raw, "kind": kind, "reason": exc},
            ) from None
        if (kind, value) not in seen:
            seen.add((kind, value))
            out.append({"kind": kind, "value": value})
    return Parsed(out, skipped)


def export_case(case: Case) -> str:
    rows = case.indicators.order_by("id").values_list("kind", "value")
    return bundle_of(rows, case.reference)


def export_takedown(takedown: Takedown) -> str:
    rows = list(takedown.indicators.order_by("id").values_list("kind", "value"))
    rows += [
        ("url" if "url" in t else "domain", t.get("url") or t.get("domain"))
        for t in takedown.targets
    ]
    return bundle_of(dict.fromkeys(rows), takedown.request_ref)


def case_indicators_import(*, actor: Any, case: Case, text: str) -> tuple[list[Indicator], int]:
    """Add a bundle's indicators to a case (those it does not have yet); all or none."""
    parsed = parse_bundle(text)
    with transaction.atomic():
        have = set(case.indicators.values_list("kind", "value"))
        new = [i for i in parsed.indicators if (i["kind"], i["value"]) not in have]
        rows = matching.store(new, case=case)
        matching.propose_mirrors(rows, f"case {case.reference}")
        record(
            action="case.stix.import",
            actor=actor,
            object_type="cases.case",
            object_id=case.pk,
            details={
                "added": len(rows),
                "known": len(parsed.indicators) - len(rows),
                "skipped": parsed.skipped,
            },
        )
    return rows, parsed.skipped
