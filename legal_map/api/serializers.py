"""Input and output shapes of the legal-map API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from legal_map.engine import PURPOSES
from legal_map.models import Offence, Status, Verification
from legal_map.selectors import COUNTRIES
from legal_map.services import validate_facts


class CountryField(serializers.ChoiceField):
    """A country code, in either case ('kz' is KZ)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=COUNTRIES, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


class CompareInput(serializers.Serializer[Any]):
    from_country = CountryField()
    from_article = serializers.CharField(max_length=40)
    from_part = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    to = CountryField()
    facts = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="The date of the conduct."
    )
    purpose = serializers.ChoiceField(
        choices=PURPOSES,
        required=False,
        default="mla",
        help_text="extradition: penalty threshold on both sides; mla: a crime on both sides; "
        "takedown: unlawful (crime or contravention) in the requested state.",
    )
    decision_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The requested state's decision (default today).",
    )

    def validate_facts(self, value: str) -> list[str]:
        facts = [f.strip() for f in value.split(",") if f.strip()]
        errors = validate_facts(facts)
        if errors:
            raise serializers.ValidationError(errors)
        return facts

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["from_country"] == attrs["to"]:
            raise serializers.ValidationError({"to": [_("Must differ from from_country.")]})
        when, decided = attrs.get("date"), attrs.get("decision_date")
        if when and decided and decided < when:
            raise serializers.ValidationError(
                {"decision_date": [_("The decision cannot come before the conduct.")]}
            )
        return attrs


class OffenceFilter(serializers.Serializer[Any]):
    country = CountryField(required=False)
    article = serializers.CharField(max_length=40, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    verification = serializers.ChoiceField(choices=Verification.choices, required=False)


class ResultOutput(serializers.Serializer[Any]):
    country = serializers.CharField()
    code = serializers.CharField()
    article = serializers.CharField()
    part = serializers.CharField()
    title_ru = serializers.CharField()
    title_en = serializers.CharField()
    score = serializers.FloatField()
    status = serializers.ChoiceField(choices=Status.choices)
    verification = serializers.ChoiceField(choices=Verification.choices)
    code_kind = serializers.ChoiceField(choices=["criminal", "contravention"])
    in_force_at_date = serializers.BooleanField()
    matched_elements = serializers.ListField(child=serializers.CharField())
    missing_elements = serializers.ListField(child=serializers.CharField())
    uncovered_elements = serializers.ListField(child=serializers.CharField())
    iccs_overlap = serializers.ListField(child=serializers.CharField())
    max_imprisonment_years = serializers.FloatField(
        allow_null=True, help_text="At most, at the date; -1 for life; null: not known."
    )


class ReasonCodeOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    params = serializers.DictField()  # type: ignore[assignment]
    text = serializers.CharField()


class VerdictOutput(serializers.Serializer[Any]):
    verdict = serializers.ChoiceField(choices=["satisfied", "not_satisfied", "uncertain"])
    purpose = serializers.ChoiceField(choices=PURPOSES)
    conduct_date = serializers.DateField()
    decision_date = serializers.DateField()
    reasons = serializers.ListField(child=serializers.CharField())
    reason_codes = ReasonCodeOutput(many=True)


class CompareOutput(serializers.Serializer[Any]):
    source = serializers.DictField()  # type: ignore[assignment]
    target_country = serializers.CharField()
    results = ResultOutput(many=True)
    dual_criminality = VerdictOutput()


class OffenceOutput(serializers.ModelSerializer[Offence]):
    class Meta:
        model = Offence
        fields = [
            "id",
            "country",
            "code",
            "code_kind",
            "record_kind",
            "article",
            "part",
            "item",
            "number_verified",
            "title_ru",
            "title_en",
            "title_national",
            "national_language",
            "elements",
            "iccs",
            "penalties",
            "penalty_text",
            "in_force_from",
            "in_force_from_certain",
            "in_force_to",
            "in_force_note",
            "status",
            "amendments",
            "source_url",
            "source_document",
            "verification",
            "official_version",
            "sources",
            "confidence_detail",
            "notes",
        ]


class FactOutput(serializers.Serializer[Any]):
    tag = serializers.CharField()
    kind = serializers.CharField()
    label_ru = serializers.CharField()
    label_en = serializers.CharField()


class OffencePage(serializers.Serializer[Any]):
    """A LimitOffsetPagination page of offences (for the OpenAPI document)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = OffenceOutput(many=True)
