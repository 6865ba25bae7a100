"""The words the duty desk's script needs, in the page's language.

Pushed alerts are rendered in the browser from the event's data (language-free: kinds,
codes, instants); this dictionary, rendered into the page, turns them into the same
words the server renders, so a pushed card and a reloaded one read alike.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alerts import labels
from alerts.models import AlertState, Urgency
from node import places

STEP_ACTIONS = ("schedule", "user", "users", "coordinators")


# One number of each plural form ru and en have for whole numbers (one, few, many):
# the script picks the sample whose form `Intl.PluralRules` gives its count.
PLURAL_SAMPLES = (1, 2, 5)


def _plural(singular: str, plural: str) -> dict[str, str]:
    return {str(n): ngettext(singular, plural, n) for n in PLURAL_SAMPLES}


def desk_labels() -> dict[str, Any]:
    return {
        # The "N more not shown" note, as the template words it, to follow live events.
        "more": _plural(
            "%(n)s more open alert is not shown here.",
            "%(n)s more open alerts are not shown here.",
        ),
        "more_unacked": _plural(
            "%(n)s of them is not acknowledged.", "%(n)s of them are not acknowledged."
        ),
        "kinds": {k: str(v) for k, v in labels.KIND_LABELS.items()},
        "urgencies": {u: str(labels.urgency_label(u)) for u in Urgency.values},
        "states": {s: str(label) for s, label in AlertState.choices},
        "actions": {a: str(labels.step_action_label(a)) for a in STEP_ACTIONS},
        "countries": {c: places.country_name(c) for c in settings.COUNTRY_TIME_ZONES},
        "text": {
            "ack": _("Acknowledge"),
            "ack_all": _("Acknowledge all"),
            "ack_named": _("Acknowledge: %(t)s"),
            "resolve": _("Close"),
            "resolve_named": _("Close: %(t)s"),
            "open_item": _("Open the item"),
            "from": _("from %(c)s"),
            "not_acked": _("not acknowledged for %(age)s"),
            "acked_by": _("acknowledged by %(who)s, %(at)s"),
            "group": _("%(n)s alerts"),
            "next": _("next: %(what)s at %(at)s (in %(in)s)"),
            "finished": _("Escalation finished: nobody more will be paged."),
            "announce_new": _("New alert: %(t)s"),
            "announce_group": _("%(n)s alerts now in the group: %(t)s"),
            "muted_until": _("Sound muted until %(at)s"),
            "mute": _("Mute for 15 min"),
            "unmute": _("Sound on"),
            "note_required": _("Say how the alert was handled before closing it."),
            "failed": _("The action failed; try again."),
            "s": _("%(n)d s"),
            "min": _("%(n)d min"),
            "h": _("%(h)d h"),
            "hmin": _("%(h)d h %(m)d min"),
            "dh": _("%(d)d d %(h)d h"),
        },
    }
