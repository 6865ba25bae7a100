"""What the duty desk shows of the cases' alerts, registered with `alerts.subjects`.

A received item's alert links to the item, shows its summary, the comparison with our
law and its indicators on the alert page, and makes whoever acknowledges it the item's
assignee: the prosecutor paged at 3 a.m. can open what they acknowledged.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from alerts import subjects
from alerts.models import Alert
from cases import read_services, services
from exchange.models import InboundMessage, OutboundMessage
from legal_map.presentation import comparison_view


def _item_url(alert: Alert) -> str | None:
    if not alert.object_id.isdigit():
        return None
    return reverse("cases:inbound-detail", args=[int(alert.object_id)])


def _item_context(user: Any, alert: Alert) -> dict[str, Any] | None:
    """The item as the alert page shows it, or None when the user may not read it."""
    try:
        item = read_services.inbound_read(actor=user, pk=alert.object_id)
    except Http404:
        return None
    comparison = None
    offence = item.body.get("offence") or item.body.get("legal_basis")
    if isinstance(offence, dict):
        facts = [str(f) for f in item.body.get("facts", [])]
        purpose = "takedown" if item.kind == item.Kind.TAKEDOWN else "mla"
        comparison = comparison_view(
            offence,
            settings.NODE_COUNTRY,
            facts,
            timezone.localdate(item.received_at),
            purpose=purpose,
        )
    return {
        "item": item,
        "indicators": list(item.indicators.all()[:50]),
        "comparison": comparison,
        "offence": offence if isinstance(offence, dict) else None,
    }


def _assign_on_ack(alert: Alert, actor: Any) -> None:
    if alert.object_id.isdigit():
        services.inbound_take(actor=actor, item_id=int(alert.object_id), alert_id=alert.pk)


def _thread_url(alert: Alert) -> str | None:
    thread = (
        OutboundMessage.objects.filter(envelope_id=alert.object_id)
        .values_list("thread", flat=True)
        .first()
    )
    return reverse("cases:thread", args=[thread]) if thread else None


def _case_url(alert: Alert) -> str | None:
    """A peer's message about one of our cases: the conversation it arrived on."""
    thread = (
        InboundMessage.objects.filter(envelope_id=alert.envelope_id)
        .values_list("thread", flat=True)
        .first()
    )
    if thread:
        return reverse("cases:thread", args=[thread])
    return (
        reverse("cases:detail", args=[int(alert.object_id)]) if alert.object_id.isdigit() else None
    )


def register() -> None:
    subjects.register(
        "cases.inbounditem",
        subjects.Subject(
            url=_item_url,
            template="cases/_alert_subject.html",
            context=_item_context,
            on_acknowledged=_assign_on_ack,
        ),
    )
    subjects.register("exchange.outboundmessage", subjects.Subject(url=_thread_url))
    subjects.register("cases.case", subjects.Subject(url=_case_url))
