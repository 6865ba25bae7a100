"""Which local indicators a received item's indicators hit (cases.matching.local_matches):
on both databases, since the statement is written per database."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from cases import matching
from cases.models import Case, InboundItem, Indicator, Takedown
from tests import factories
from tests.factories import takedown as make_takedown
from tests.factories import user

pytestmark = pytest.mark.django_db


def _case(owner: Any, indicators: list[dict[str, str]]) -> Case:
    return factories.case(owner, indicators=indicators)


def test_hits_are_local_indicators_of_open_cases_and_takedowns_with_an_equal_pair() -> None:
    owner = user("kz.match", "prosecutor")
    open_case = _case(owner, [{"kind": "phone", "value": "+373 69 123 456"}])
    closed = _case(owner, [{"kind": "telegram", "value": "@ModelsWork"}])
    telegram = closed.indicators.get().value
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    open_td = make_takedown(owner, "TD-1", status=Takedown.Status.OPEN)
    done_td = make_takedown(owner, "TD-2", status=Takedown.Status.CLOSED)
    Indicator.objects.create(takedown=open_td, kind="domain", value="models-work.example.md")
    Indicator.objects.create(takedown=done_td, kind="email", value="hr@models-work.example.md")
    received = InboundItem.objects.create(
        kind="notification",
        origin="MD",
        envelope_id="e",
        thread="e",
        handling="H0",
        ref="MD-1",
        body={},
        received_at=timezone.now(),
    )
    Indicator.objects.create(inbound=received, kind="vk", value="models_work")

    def probe(*pairs: tuple[str, str]) -> set[tuple[str, str]]:
        rows = [Indicator(kind=k, value=v) for k, v in pairs]
        return {(m.kind, m.value) for m in matching.local_matches(rows)}

    assert probe(
        ("phone", "+37369123456"),  # an open case's
        ("domain", "models-work.example.md"),  # an open takedown's
        ("telegram", telegram),  # a closed case's
        ("email", "hr@models-work.example.md"),  # a closed takedown's
        ("vk", "models_work"),  # a received item's, never a hit
        ("phone", "models-work.example.md"),  # a value of another kind
    ) == {("phone", "+37369123456"), ("domain", "models-work.example.md")}
    assert probe() == set()
    assert probe(("phone", "+37369000000")) == set()
    found = matching.local_matches([Indicator(kind="phone", value="+37369123456")])
    assert [m.case for m in found] == [open_case]
