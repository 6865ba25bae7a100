"""Forms of the rota and policy pages: they parse and label; the services decide.

A service's `AlertsError` lands on the field it names (`add_service_error`), so a
refusal shows next to what caused it, in the user's language, and nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts import rota_selectors
from alerts.errors import AlertsError
from alerts.models import ChannelKind, Rotation, Schedule
from alerts.rota_services import MAX_MEMBERS, LayerInput
from node import places
from node.widgets import IsoDateInput, IsoDateTimeInput


def zone_hint() -> str:
    return places.zone_label(timezone.now(), places.zone_of(None))


class ServiceErrorsMixin(forms.Form):
    service_fields: dict[str, str] = {}

    def add_service_error(self, exc: AlertsError) -> None:
        name = self.service_fields.get(exc.field, exc.field)
        self.add_error(name if name in self.fields else None, str(exc))


class ScheduleForm(ServiceErrorsMixin):
    name = forms.CharField(
        label=_("Name of the new rota"),
        max_length=50,
        help_text=_("Latin letters, digits, - and _ (for example: coordinators)."),
    )


class LayerForm(ServiceErrorsMixin):
    """A rotation: people in order, who hand over at a local time, daily or weekly."""

    rotation = forms.ChoiceField(label=_("Rotation"), choices=Rotation.choices)
    handoff = forms.TimeField(
        label=_("Hand-over time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    start = forms.DateField(label=_("First day"), widget=IsoDateInput())
    window_start = forms.TimeField(
        label=_("Only from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Leave both empty for the whole day; the window may pass midnight."),
    )
    window_end = forms.TimeField(
        label=_("until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    order = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=100,
        initial=0,
        help_text=_("Where two rotations have someone on call, the higher priority wins."),
    )

    def __init__(self, *args: Any, slots: int = MAX_MEMBERS, **kwargs: Any) -> None:
        """`slots`: how many people the form offers (more than MAX_MEMBERS when a longer
        rotation, e.g. made with `oncall set`, is edited: none of them is dropped)."""
        super().__init__(*args, **kwargs)
        data = args[0] if args else kwargs.get("data")
        if data is not None:
            slots = max(slots, sum(1 for key in data if key.startswith("member_")))
        self.slots = max(slots, MAX_MEMBERS)
        people: list[tuple[str, str]] = [("", "—"), *rota_selectors.people_choices()]
        for n in range(1, self.slots + 1):
            self.fields[f"member_{n}"] = forms.ChoiceField(
                label=_("Person %(n)d") % {"n": n}, choices=people, required=n == 1
            )
        zone = zone_hint()
        self.fields["handoff"].help_text = _("Local time, %(zone)s.") % {"zone": zone}

    service_fields = {"members": "member_1", "users": "member_1"}

    def member_fields(self) -> list[forms.BoundField]:
        return [self[f"member_{n}"] for n in range(1, self.slots + 1)]

    def to_input(self) -> LayerInput:
        data = self.cleaned_data
        return LayerInput(
            usernames=[
                data[f"member_{n}"] for n in range(1, self.slots + 1) if data.get(f"member_{n}")
            ],
            rotation=data["rotation"],
            handoff=data["handoff"],
            start=data["start"],
            window_start=data.get("window_start"),
            window_end=data.get("window_end"),
            order=data.get("order") or 0,
        )


class OverrideForm(ServiceErrorsMixin):
    """Someone covers the rota for a while (a swap, an illness, a holiday)."""

    user = forms.ChoiceField(label=_("Who covers"))
    # Typed on the node's clock, which the widget names beside the field.
    start = forms.DateTimeField(label=_("From"), widget=IsoDateTimeInput())
    end = forms.DateTimeField(label=_("Until"), widget=IsoDateTimeInput())

    service_fields = {"to": "end", "from": "start"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *rota_selectors.people_choices()]


ACTION_CHOICES = [
    ("", "—"),
    ("schedule", _("the person on call in a rota")),
    ("user", _("a named person")),
    ("coordinators", _("every coordinator")),
]
CHANNEL_CHOICES = [("", _("every channel they have")), *ChannelKind.choices]


class StepForm(forms.Form):
    """One escalation step; an empty row (no action) is ignored."""

    action = forms.ChoiceField(label=_("Page"), choices=ACTION_CHOICES, required=False)
    schedule = forms.ChoiceField(label=_("Rota"), required=False)
    user = forms.ChoiceField(label=_("Person"), required=False)
    channel = forms.ChoiceField(label=_("Which channel"), choices=CHANNEL_CHOICES, required=False)
    wait_minutes = forms.IntegerField(
        label=_("Wait for an acknowledgement (minutes)"),
        min_value=0,
        max_value=1440,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schedule = self.fields["schedule"]
        user = self.fields["user"]
        assert isinstance(schedule, forms.ChoiceField) and isinstance(user, forms.ChoiceField)
        schedule.choices = [("", "—")] + [
            (s, s) for s in Schedule.objects.values_list("name", flat=True)
        ]
        user.choices = [("", "—")] + [
            (str(u.pk), rota_selectors.display_name(u)) for u in rota_selectors.rota_people()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if not action:
            return data
        if action == "schedule" and not data.get("schedule"):
            self.add_error("schedule", _("Choose the rota."))
        if action == "user" and not data.get("user"):
            self.add_error("user", _("Choose the person."))
        if data.get("wait_minutes") is None:
            self.add_error("wait_minutes", _("How many minutes to wait (0 or more)."))
        return data

    def to_step(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        action = data.get("action")
        if not action:
            return None
        step: dict[str, Any] = {"action": action, "wait_minutes": data.get("wait_minutes") or 0}
        if action == "schedule":
            step["schedule"] = data["schedule"]
        elif action == "user":
            step["user"] = int(data["user"])
        if data.get("channel"):
            step["channels"] = [data["channel"]]
        return step


StepFormSet = forms.formset_factory(StepForm, extra=0, max_num=8, absolute_max=8)


class PolicyForm(ServiceErrorsMixin):
    repeat = forms.IntegerField(
        label=_("Run the whole chain again"),
        min_value=0,
        max_value=10,
        help_text=_("How many more times, if still nobody acknowledges (0: once only)."),
    )
    ack_window_minutes = forms.IntegerField(
        label=_("A peer country has (minutes) to acknowledge our notification"),
        min_value=0,
        max_value=10080,
    )


def step_initial(steps: list[dict[str, Any]], blank: int = 2) -> list[dict[str, Any]]:
    """A policy's stored steps as the formset's rows, and `blank` empty rows to add to."""
    rows = []
    for raw in steps:
        channels = raw.get("channels") or []
        rows.append(
            {
                "action": raw.get("action", ""),
                "schedule": raw.get("schedule", ""),
                "user": str(raw.get("user", "") or ""),
                "channel": channels[0] if len(channels) == 1 else "",
                "wait_minutes": raw.get("wait_minutes", 0),
            }
        )
    return rows + [{} for _ in range(blank)]


class ChannelForm(ServiceErrorsMixin):
    """A way to wake someone on call: an e-mail address or a webhook (SMS/Telegram gateway)."""

    user = forms.ChoiceField(label=_("Person"))
    kind = forms.ChoiceField(label=_("Which channel"), choices=ChannelKind.choices)
    target = forms.CharField(
        label=_("Address"),
        max_length=300,
        help_text=_("An e-mail address, or the https:// address of the gateway's webhook."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *rota_selectors.people_choices()]
