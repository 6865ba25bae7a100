"""Page forms for cases: parse what a person typed, say what is wrong next to the field,
and hand the service exactly what the API would.

The new-case form validates with Django's form machinery (errors in the reader's
language, every choice kept after an error) and then runs the API's own serializer
(`CaseCreateInput`) on the result, so the page and `POST /api/v1/cases/` accept exactly
the same cases. Facts and offences are chosen from the legal map's vocabulary and
catalogue, never typed as internal tags.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import indicators as norm
from cases import legal
from cases.models import Case, Handling, Urgency

# What the meaning of each handling code is, for the person choosing one (contract, s. 3).
HANDLING_MEANINGS: dict[str, Any] = {
    Handling.H0: gettext_lazy("Any law-enforcement use, including as evidence."),
    Handling.H1: gettext_lazy(
        "Not to be used as evidence in court without our consent; intelligence use only."
    ),
    Handling.H2: gettext_lazy("Not to be passed to any third country or body without our consent."),
    Handling.H3: gettext_lazy(
        "Restrictions we state below travel with the notification and bind the receiver."
    ),
}

OFFENCE_SEP = legal.OFFENCE_SEP


def handling_choices() -> list[tuple[str, str]]:
    return [(str(v), f"{label} — {HANDLING_MEANINGS[v]}") for v, label in Handling.choices]


def handling_meaning(code: str) -> str:
    meaning = HANDLING_MEANINGS.get(code)
    return str(meaning) if meaning is not None else ""


def offence_value(offence: dict[str, str]) -> str:
    return OFFENCE_SEP.join(
        (offence.get("country", ""), offence.get("code", ""), offence.get("article", ""),
         offence.get("part", ""))
    )  # fmt: skip


def _offence_from(value: str) -> dict[str, str]:
    country, code, article, part = [*value.split(OFFENCE_SEP), "", "", "", ""][:4]
    offence = {"country": country, "code": code, "article": article}
    if part:
        offence["part"] = part
    return offence


def _indicator_kinds_help() -> SafeString:
    """The kinds one writes before the colon (codes, shown as code) with their meaning in
    the reader's language, and an example line."""
    kinds = format_html_join(
        ", ", "<code>{}</code> ({})", ((kind, label) for kind, label in norm.KIND_LABELS.items())
    )
    return format_html(
        "{} {}. {} <code>phone: +37369123456</code>",
        _("Kinds:"),
        kinds,
        _("For example:"),
    )


class CaseForm(forms.Form):
    """A new case. Choices come from the legal map (articles with titles in the page's
    language, facts grouped by kind), so the form is built per request."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    summary = forms.CharField(
        label=gettext_lazy("Summary of the case"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    offence = forms.ChoiceField(
        label=gettext_lazy("Offence (country, code, article, part)"),
        help_text=gettext_lazy("From the legal map's catalogue; titles in the page's language."),
    )
    facts = forms.MultipleChoiceField(
        label=gettext_lazy("Facts of the case"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The facts established so far: they drive the legal comparison."),
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=Urgency.choices, widget=forms.RadioSelect
    )
    handling = forms.ChoiceField(
        label=gettext_lazy("Handling code"),
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "How the countries you notify may use what you send. There is no default: choose."
        ),
    )
    restrictions = forms.CharField(
        label=gettext_lazy("Restrictions (for H3)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    indicators = forms.CharField(
        label=gettext_lazy("Indicators, one per line as kind: value"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=lazy(lambda: _indicator_kinds_help(), SafeString)(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offence = self.fields["offence"]
        assert isinstance(offence, forms.ChoiceField)
        offence.choices = [("", _("— choose an article —")), *legal.offence_choices()]
        facts = self.fields["facts"]
        assert isinstance(facts, forms.MultipleChoiceField)
        facts.choices = legal.fact_choices()
        handling = self.fields["handling"]
        assert isinstance(handling, forms.ChoiceField)
        handling.choices = handling_choices()
        if not self.is_bound:
            self.initial.setdefault("offence_country", settings.NODE_COUNTRY)

    def clean_indicators(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        problems: list[str] = []
        text = self.cleaned_data.get("indicators", "")
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            kind, sep, value = line.partition(":")
            kind, value = kind.strip().lower(), value.strip()
            if not sep or kind not in norm.KINDS:
                problems.append(_("Line %(n)d: write it as kind: value.") % {"n": number})
                continue
            try:
                n = norm.normalise(kind, value, region=settings.NODE_COUNTRY)
            except norm.IndicatorError as exc:
                label = norm.KIND_LABELS.get(kind, kind)
                problems.append(
                    _("Line %(n)d (%(kind)s): %(problem)s")
                    % {"n": number, "kind": label, "problem": _(str(exc))}
                )
                continue
            rows.append({"kind": n.kind, "value": n.value})
        if problems:
            raise forms.ValidationError(problems)
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("handling") == Handling.H3 and not (data.get("restrictions") or "").strip():
            self.add_error("restrictions", _("Handling H3 needs its restrictions stated."))
        if self.errors:
            return data
        self._check_with_api(data)
        return data

    def _check_with_api(self, data: dict[str, Any]) -> None:
        """The API's serializer has the last word, so both accept the same cases; what it
        refuses is put next to the field it concerns."""
        from cases.api.serializers import CaseCreateInput

        check = CaseCreateInput(data=self.payload(data))
        if check.is_valid():
            return
        for name, problems in dict(check.errors).items():
            field = name if name in self.fields else None
            for text in _flat(problems):
                self.add_error(field, text)

    @staticmethod
    def payload(data: dict[str, Any]) -> dict[str, Any]:
        return {
            "title": data["title"],
            "summary": data["summary"],
            "offence": _offence_from(data["offence"]),
            "facts": list(data.get("facts") or []),
            "urgency": data["urgency"],
            "indicators": list(data.get("indicators") or []),
            "handling": data["handling"],
            "restrictions": data.get("restrictions") or "",
        }


def _flat(problems: Any) -> list[str]:
    """DRF's nested error structure as plain sentences (never `[ErrorDetail(...)]`)."""
    if isinstance(problems, dict):
        return [t for v in problems.values() for t in _flat(v)]
    if isinstance(problems, list | tuple):
        return [t for v in problems for t in _flat(v)]
    return [str(problems)]


class CaseEditForm(forms.Form):
    """Edit what travels as `case.update` changes: title, summary, urgency, facts."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    summary = forms.CharField(
        label=gettext_lazy("Summary of the case"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=Urgency.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the countries notified"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def for_case(cls, case: Case) -> CaseEditForm:
        return cls(initial={"title": case.title, "summary": case.summary, "urgency": case.urgency})


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Case.Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Reason (sent to the countries notified)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
