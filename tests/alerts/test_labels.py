"""System alerts keep their kind and values; pages render them in the reader's language,
and a row from before params still shows its stored words."""

from __future__ import annotations

import pytest
from django.utils import translation

from alerts import labels, sources
from alerts.models import Alert

pytestmark = pytest.mark.django_db


def test_a_clock_skew_alert_reads_in_each_language() -> None:
    sources.on_delivery_failed(
        None, destination="MD", envelope_id="e-9", reason="HTTP 401 clock_skew", code="clock_skew"
    )
    alert = Alert.objects.get(kind="clock_skew")
    assert alert.params["country"] == "MD" and alert.params["reason"] == "HTTP 401 clock_skew"
    with translation.override("ru"):
        title, summary = labels.alert_title(alert), labels.alert_summary(alert)
        assert (
            title
            == "Узел страны Молдова отклонил наше сообщение: часы расходятся более чем на 300 с"
        )
        assert "синхронизацию времени" in summary and "clock_skew" not in summary
        assert "Дежурный контакт страны Молдова не записан" in summary
    with translation.override("en"):
        assert labels.alert_title(alert).startswith("Moldova refused our message")
    assert labels.alert_commands(alert) == labels.CLOCK_COMMANDS
    assert labels.alert_detail(alert) == "HTTP 401 clock_skew"


def test_an_old_row_keeps_its_stored_words() -> None:
    old = Alert(kind="delivery_failed", title="Delivery to MD failed", summary="HTTP 503")
    with translation.override("ru"):
        assert labels.alert_title(old) == "Delivery to MD failed"
        assert labels.alert_summary(old) == "HTTP 503"
