"""The takedown request form and the board's filters (shared with the REST API).

The form turns what a coordinator types into the members `cases.takedowns.takedown_create`
takes, the same service the API calls; it validates each target and indicator line and
names the line in its error, so nothing typed is lost and the error sits by its field.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import indicators as norm
from cases.models import Takedown, Urgency
from cases.takedowns import ACTION_LABELS
from node.widgets import IsoDateInput

MAX_LINES = 100
HANDLING_CHOICES = [
    ("H0", gettext_lazy("H0: any law-enforcement use")),
    ("H1", gettext_lazy("H1: not as evidence in court without our consent")),
    ("H2", gettext_lazy("H2: not to be passed on to a third country without our consent")),
]


def peers() -> list[str]:
    return [c for c in sorted(settings.COUNTRY_TIME_ZONES) if c != settings.NODE_COUNTRY]


def offence_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue's offences grouped by country, titled in the page's language.
    A value is `country|code|article|part`: the legal basis the wire carries."""
    from django.utils.translation import get_language

    from legal_map.reasons import ref_text
    from legal_map.selectors import offence_list
    from node.places import country_name

    ru = (get_language() or "ru").startswith("ru")
    groups: dict[str, list[tuple[str, str]]] = {}
    for o in offence_list().filter(record_kind="offence").order_by("country", "position"):
        code = "CC" if o.code_kind == "criminal" else "CAO"
        title = (o.title_ru or o.title_en) if ru else (o.title_en or o.title_ru)
        ref = _("art. %(article)s") % {"article": ref_text(o.article)}
        if o.part:  # a part the catalogue names ("(cross-border)") in the reader's words
            ref += " " + _("p. %(part)s") % {"part": ref_text(o.part)}
        value = f"{o.country}|{code}|{o.article}|{o.part}"
        groups.setdefault(o.country, []).append((value, f"{ref}: {title}"))
    return [(country_name(c), rows) for c, rows in groups.items()]


def offence_title(basis: dict[str, str]) -> str:
    """The catalogue's title of a legal basis in the page's language ("" if unknown)."""
    from django.utils.translation import get_language

    from legal_map.selectors import offence_list

    rows = offence_list(country=basis.get("country", ""), article=basis.get("article", ""))
    found = rows.filter(part=basis.get("part", "")).first() or rows.first()
    if found is None:
        return ""
    ru = (get_language() or "ru").startswith("ru")
    return (found.title_ru or found.title_en) if ru else (found.title_en or found.title_ru)


def _target(line: str) -> dict[str, str]:
    kind = "url" if "/" in line or ":" in line else "domain"
    return {kind: norm.normalise(kind, line).value}


class TakedownForm(forms.Form):
    targets = forms.CharField(
        label=gettext_lazy("Targets"),
        help_text=gettext_lazy(
            "One per line: a web address (https://…) or a domain name (example.com)."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    legal_basis = forms.ChoiceField(
        label=gettext_lazy("Legal basis"),
        help_text=gettext_lazy("Country, code, article and part of the offence."),
    )
    requested_action = forms.ChoiceField(
        label=gettext_lazy("Requested action"),
        choices=list(ACTION_LABELS.items()),
        widget=forms.RadioSelect,
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=Urgency.choices, initial=Urgency.URGENT
    )
    indicators = forms.CharField(
        label=gettext_lazy("Indicators"),
        required=False,
        help_text=gettext_lazy(
            "Optional, one per line as “kind: value”, e.g. “phone: +996 555 123 456”."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    to = forms.MultipleChoiceField(
        label=gettext_lazy("Countries to ask"),
        widget=forms.CheckboxSelectMultiple,
    )
    handling = forms.ChoiceField(
        label=gettext_lazy("Handling code"),
        choices=HANDLING_CHOICES,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("What the receiving countries may do with this request."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from node.places import country_name

        basis = self.fields["legal_basis"]
        countries = self.fields["to"]
        assert isinstance(basis, forms.ChoiceField) and isinstance(countries, forms.ChoiceField)
        basis.choices = [("", _("Choose the article…")), *offence_choices()]
        countries.choices = [(c, country_name(c)) for c in peers()]

    def clean_targets(self) -> list[dict[str, str]]:
        lines = [
            (n, line.strip()) for n, line in enumerate(self.cleaned_data["targets"].splitlines(), 1)
        ]
        lines = [(n, line) for n, line in lines if line]
        errors, targets = [], []
        if len(lines) > MAX_LINES:
            raise forms.ValidationError(_("At most %(n)d targets.") % {"n": MAX_LINES})
        for n, line in lines:
            try:
                targets.append(_target(line))
            except norm.IndicatorError:
                errors.append(
                    _("Line %(n)d: “%(value)s” is neither a web address nor a domain name.")
                    % {"n": n, "value": line[:80]}
                )
        if errors:
            raise forms.ValidationError(errors)
        if not targets:
            raise forms.ValidationError(_("Name at least one target."))
        return list({str(sorted(t.items())): t for t in targets}.values())

    def clean_indicators(self) -> list[dict[str, str]]:
        errors, rows = [], []
        labels = ", ".join(str(norm.KIND_LABELS.get(k, k)) for k in norm.KINDS)
        by_label = {str(label).lower(): kind for kind, label in norm.KIND_LABELS.items()}
        for n, line in enumerate(self.cleaned_data["indicators"].splitlines(), 1):
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            kind = name.strip().lower()
            kind = by_label.get(kind, kind)
            if not sep or kind not in norm.KINDS:
                errors.append(
                    _("Line %(n)d: write “kind: value”; the kinds are: %(kinds)s.")
                    % {"n": n, "kinds": labels}
                )
                continue
            try:
                found = norm.normalise(kind, value.strip(), region=settings.NODE_COUNTRY)
            except norm.IndicatorError:
                errors.append(
                    _("Line %(n)d: “%(value)s” is not a valid value of kind “%(kind)s”.")
                    % {
                        "n": n,
                        "value": value.strip()[:80],
                        "kind": norm.KIND_LABELS.get(kind, kind),
                    }
                )
                continue
            rows.append({"kind": found.kind, "value": found.value})
        if errors:
            raise forms.ValidationError(errors)
        return rows

    def legal_ref(self) -> dict[str, str]:
        country, code, article, part = self.cleaned_data["legal_basis"].split("|")
        ref = {"country": country, "code": code, "article": article}
        if part:
            ref["part"] = part
        return ref


class TakedownFilter(django_filters.FilterSet):
    """The board's filters, the page's and the API's (`DjangoFilterBackend`)."""

    q = django_filters.CharFilter(method="search", label=gettext_lazy("Search"))
    status = django_filters.ChoiceFilter(
        choices=Takedown.Status.choices,
        label=gettext_lazy("Status"),
        empty_label=gettext_lazy("Any"),
    )
    urgency = django_filters.ChoiceFilter(
        choices=Urgency.choices, label=gettext_lazy("Urgency"), empty_label=gettext_lazy("Any")
    )
    country = django_filters.ChoiceFilter(
        method="to_country", label=gettext_lazy("Country asked"), empty_label=gettext_lazy("Any")
    )
    created_after = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=gettext_lazy("Filed from"),
        widget=IsoDateInput(),
    )
    created_before = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=gettext_lazy("Filed until"),
        widget=IsoDateInput(),
    )

    class Meta:
        model = Takedown
        fields = ["q", "status", "urgency", "country", "created_after", "created_before"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from node.places import country_name

        self.filters["country"].extra["choices"] = [(c, country_name(c)) for c in peers()]

    def search(self, qs: QuerySet[Takedown], name: str, value: str) -> QuerySet[Takedown]:
        value = value.strip()[:100]
        if not value:
            return qs
        return qs.filter(Q(request_ref__icontains=value) | Q(targets__icontains=value))

    def to_country(self, qs: QuerySet[Takedown], name: str, value: str) -> QuerySet[Takedown]:
        # JSON containment is not portable (SQLite has none); the list is of 2-letter codes
        # written as JSON strings, so the quoted code matches exactly one member.
        return qs.filter(destinations__icontains=f'"{value}"') if value else qs
