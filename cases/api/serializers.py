"""Input/Output serializers per endpoint. Inputs reject NUL and surrogates (DRF's
CharField validators), unknown indicator kinds and values that do not normalise."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import indicators as norm
from cases import legal
from cases.models import Handling, Urgency
from exchange import schemas
from net247.textfields import LineField, TextField

COUNTRIES = tuple(sorted(settings.COUNTRY_TIME_ZONES))
FACT_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# H3 asks for the restrictions in the body, which these inputs do not take.
UNRESTRICTED = tuple(h for h in schemas.HANDLING if h != "H3")


class LegalRefSerializer(serializers.Serializer[Any]):
    country = serializers.ChoiceField(choices=COUNTRIES)
    code = LineField(max_length=60, default="CC")
    article = serializers.RegexField(r"^[0-9A-Za-z./-]{1,40}$")
    part = serializers.RegexField(r"^[0-9A-Za-z./-]{1,20}$", required=False)


class IndicatorInSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=norm.KINDS)
    value = serializers.CharField(max_length=norm.MAX_VALUE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            n = norm.normalise(attrs["kind"], attrs["value"], region=settings.NODE_COUNTRY)
        except norm.IndicatorError as exc:
            raise serializers.ValidationError({"value": [str(exc)]}) from exc
        return {"kind": n.kind, "value": n.value}


class IndicatorOutSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    value = serializers.CharField()
    raw = serializers.CharField()
    registrable_domain = serializers.CharField()


class VictimInSerializer(serializers.Serializer[Any]):
    pseudonym = serializers.RegexField(r"^[\w .-]{1,50}$")
    minor = serializers.BooleanField(default=False)


def _facts(value: list[str]) -> list[str]:
    """Tags of the legal map's vocabulary, each once."""
    bad = [f for f in value if not FACT_RE.match(f)]
    if bad:
        raise serializers.ValidationError(
            _("Not fact tags: %(tags)s") % {"tags": ", ".join(bad[:5])}
        )
    errors = legal.fact_errors(value)
    if errors:
        raise serializers.ValidationError(errors)
    return list(value)


class CaseCreateInput(serializers.Serializer[Any]):
    title = LineField(max_length=300)
    summary = TextField(max_length=20000)
    offence = LegalRefSerializer()
    facts = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=50, default=list
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    indicators = IndicatorInSerializer(many=True, required=False, default=list)
    victims = VictimInSerializer(many=True, required=False, default=list)
    # Optional here (an API client may choose it when notifying); the page requires it.
    handling = serializers.ChoiceField(choices=Handling.choices, required=False, default="")
    restrictions = TextField(max_length=2000, required=False, allow_blank=True, default="")

    def validate_facts(self, value: list[str]) -> list[str]:
        return _facts(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("handling") == Handling.H3 and not attrs.get("restrictions", "").strip():
            raise serializers.ValidationError(
                {"restrictions": [_("Handling H3 needs its restrictions stated.")]}
            )
        return attrs


class CaseCreateOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class NotificationOutSerializer(serializers.Serializer[Any]):
    country = serializers.CharField()
    handling = serializers.CharField()
    envelope_id = serializers.CharField()
    sent_at = serializers.DateTimeField()
    comparison = serializers.JSONField()


class CaseOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    offence = serializers.DictField(child=serializers.CharField())
    facts = serializers.ListField(child=serializers.CharField())
    urgency = serializers.CharField()
    status = serializers.CharField()
    unit = serializers.CharField()
    created_at = serializers.DateTimeField()
    indicators = IndicatorOutSerializer(many=True, source="indicators.all")
    notifications = NotificationOutSerializer(many=True, source="notifications.all")


class CaseListOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    urgency = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class NotifyInput(serializers.Serializer[Any]):
    to = serializers.ListField(
        child=serializers.ChoiceField(choices=COUNTRIES), min_length=1, max_length=10
    )
    handling = serializers.ChoiceField(choices=Handling.choices, default=Handling.H0)
    restrictions = TextField(max_length=2000, required=False, allow_blank=True, default="")
    # After a private match (issue 22): send only the indicators it found at that country.
    match = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class NotifyOutput(serializers.Serializer[Any]):
    envelope_id = serializers.CharField()
    to = serializers.ListField(child=serializers.CharField())


class CaseUpdateInput(serializers.Serializer[Any]):
    title = LineField(max_length=300, required=False)
    summary = TextField(max_length=20000, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    status = serializers.ChoiceField(choices=("open", "closed"), required=False)
    facts = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=50, required=False
    )
    note = TextField(max_length=2000, required=False, default="")

    def validate_facts(self, value: list[str]) -> list[str]:
        return _facts(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not set(attrs) - {"note"}:
            raise serializers.ValidationError({"non_field_errors": ["nothing to change"]})
        return attrs


class RequestInput(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=schemas.REQUEST_KINDS)
    text = TextField(max_length=20000)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    due_by = serializers.DateTimeField(required=False)
    country = serializers.ChoiceField(choices=COUNTRIES, required=False)
    handling = serializers.ChoiceField(choices=UNRESTRICTED, default="H0")

    def validate_due_by(self, value: dt.datetime) -> dt.datetime:
        if value <= timezone.now():
            raise serializers.ValidationError(_("The deadline must be in the future."))
        return value


class RequestOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    case_ref = serializers.CharField()
    country = serializers.CharField()
    kind = serializers.CharField()
    text = serializers.CharField()
    due_by = serializers.DateTimeField()
    status = serializers.CharField()
    envelope_id = serializers.CharField()
    thread = serializers.CharField()
    sent_at = serializers.DateTimeField()


class ResponseInput(serializers.Serializer[Any]):
    text = TextField(max_length=20000)
    status = serializers.ChoiceField(choices=schemas.RESPONSE_STATUSES, default="answered")
    indicators = IndicatorInSerializer(many=True, required=False, default=list)


class EnvelopeOutput(serializers.Serializer[Any]):
    envelope_id = serializers.CharField()


class AssignInput(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150, required=False)
    unit = serializers.CharField(max_length=100, required=False, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("username") and not attrs.get("unit"):
            raise serializers.ValidationError({"username": ["a username or a unit"]})
        return attrs


class ForwardInput(serializers.Serializer[Any]):
    to = serializers.ListField(
        child=serializers.ChoiceField(choices=COUNTRIES), min_length=1, max_length=10
    )
    handling = serializers.ChoiceField(choices=UNRESTRICTED, default="H1")


class InboundListOutput(serializers.Serializer[Any]):
    """Content members are absent for auditors (they get InboundMetaOutput's subset)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    origin = serializers.CharField()
    ref = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    urgency = serializers.CharField(required=False)
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_by = serializers.DateTimeField(allow_null=True, required=False)


class InboundMetaOutput(serializers.Serializer[Any]):
    """What an auditor sees: metadata, no content."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    origin = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()


class OriginOutput(serializers.Serializer[Any]):
    country = serializers.CharField()
    verified = serializers.BooleanField()
    key_id = serializers.CharField()


class HitOutput(serializers.Serializer[Any]):
    kind = serializers.CharField()
    value = serializers.CharField()
    case_reference = serializers.CharField(allow_null=True)
    takedown_ref = serializers.CharField(allow_null=True)


class TargetStateOutput(serializers.Serializer[Any]):
    target = serializers.CharField()
    status = serializers.CharField()
    note = serializers.CharField()


class InboundOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    origin = OriginOutput()
    envelope_id = serializers.CharField()
    thread = serializers.CharField()
    handling = serializers.CharField()
    ref = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    body = serializers.JSONField()
    urgency = serializers.CharField()
    request_kind = serializers.CharField()
    due_by = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField()
    unit = serializers.CharField()
    assigned_to = serializers.CharField(allow_null=True)
    received_at = serializers.DateTimeField()
    receipt = serializers.JSONField()
    comparison = serializers.JSONField()
    updates = serializers.JSONField()
    indicators = IndicatorOutSerializer(many=True)
    hits = HitOutput(many=True)
    targets = TargetStateOutput(many=True)


class TargetInSerializer(serializers.Serializer[Any]):
    url = serializers.CharField(max_length=500, required=False)
    domain = serializers.CharField(max_length=255, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        if ("url" in attrs) == ("domain" in attrs):
            raise serializers.ValidationError({"non_field_errors": ["exactly one of url, domain"]})
        try:
            if "url" in attrs:
                return {"url": norm.normalise("url", attrs["url"]).value}
            return {"domain": norm.normalise("domain", attrs["domain"]).value}
        except norm.IndicatorError as exc:
            raise serializers.ValidationError({next(iter(attrs)): [str(exc)]}) from exc


class EvidenceInSerializer(serializers.Serializer[Any]):
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$")
    captured_at = serializers.DateTimeField()
    kind = serializers.RegexField(r"^[a-z][a-z0-9_]{0,31}$")

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        return {
            "sha256": attrs["sha256"].lower(),
            "captured_at": schemas.format_time(attrs["captured_at"]),
            "kind": attrs["kind"],
        }


class TakedownCreateInput(serializers.Serializer[Any]):
    targets = TargetInSerializer(many=True, allow_empty=False, max_length=100)  # type: ignore[call-arg]
    legal_basis = LegalRefSerializer()
    requested_action = serializers.ChoiceField(choices=schemas.REQUESTED_ACTIONS)
    evidence = EvidenceInSerializer(many=True, required=False, default=list, max_length=100)  # type: ignore[call-arg]
    indicators = IndicatorInSerializer(many=True, required=False, default=list, max_length=100)  # type: ignore[call-arg]
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.URGENT)
    to = serializers.ListField(
        child=serializers.ChoiceField(choices=(*COUNTRIES, "all")), min_length=1, max_length=10
    )
    handling = serializers.ChoiceField(choices=UNRESTRICTED, default="H0")


class StepOutput(serializers.Serializer[Any]):
    status = serializers.CharField()
    at = serializers.DateTimeField()
    took_seconds = serializers.IntegerField()
    note = serializers.CharField()
    kind = serializers.ChoiceField(choices=("step", "correction", "ignored"))


class BoardRowOutput(serializers.Serializer[Any]):
    target = serializers.CharField()
    country = serializers.CharField()
    status = serializers.CharField()
    elapsed_seconds = serializers.IntegerField()
    pending_seconds = serializers.IntegerField(allow_null=True)
    corrected = serializers.BooleanField()
    reason = serializers.CharField()
    steps = StepOutput(many=True)


class TakedownListOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    request_ref = serializers.CharField()
    targets = serializers.JSONField()
    destinations = serializers.JSONField()
    requested_action = serializers.CharField()
    urgency = serializers.CharField()
    status = serializers.CharField()
    mirror_of = serializers.CharField(source="mirror_of.request_ref", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


class TakedownOutput(TakedownListOutput):
    legal_basis = serializers.DictField(child=serializers.CharField())
    evidence = serializers.JSONField()
    envelope_id = serializers.CharField()
    indicators = IndicatorOutSerializer(many=True, source="indicators.all")
    board = BoardRowOutput(many=True)


class TakedownStatusInput(serializers.Serializer[Any]):
    target = serializers.CharField(max_length=500)
    status = serializers.ChoiceField(choices=schemas.TAKEDOWN_STATUSES)
    note = TextField(max_length=2000, required=False, default="")


class ProposalOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    request_ref = serializers.CharField(source="takedown.request_ref")
    domain = serializers.CharField()
    shared_kind = serializers.CharField()
    shared_value = serializers.CharField()
    found_in = serializers.CharField(source="source")
    status = serializers.CharField()
    joined_as = serializers.CharField(source="joined_as.request_ref", allow_null=True, default=None)


class StatisticsOutput(serializers.Serializer[Any]):
    median_seconds = serializers.DictField(child=serializers.FloatField())
    open_by_age = serializers.DictField(child=serializers.IntegerField())
    # {country: {done, median_seconds, refused, platform_unresponsive, pending}}
    per_country = serializers.JSONField()
    # {weeks: [Monday, ...], countries: {country: [median seconds or null per week]}}
    trend = serializers.JSONField()


class ComparisonPreviewOutput(serializers.Serializer[Any]):
    country = serializers.CharField()
    verdict = serializers.CharField()
    comparison = serializers.JSONField()


def page_of(item: type[serializers.Serializer[Any]], name: str) -> Any:
    """The schema of a LimitOffsetPagination page of `item` (for the OpenAPI document)."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


CaseListPage = page_of(CaseListOutput, "CaseListPage")
InboundListPage = page_of(InboundListOutput, "InboundListPage")
RequestListPage = page_of(RequestOutput, "RequestListPage")
TakedownListPage = page_of(TakedownListOutput, "TakedownListPage")
ProposalListPage = page_of(ProposalOutput, "ProposalListPage")


class ThreadOutput(serializers.Serializer[Any]):
    thread = serializers.CharField()
    messages = serializers.ListField(child=serializers.JSONField())
    acks = serializers.JSONField()


class CaseExportOutput(serializers.Serializer[Any]):
    case = CaseOutput()
    requests = RequestOutput(many=True)
    received = InboundListOutput(many=True)
