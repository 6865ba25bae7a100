"""Issue 17, posture: X-Real-IP and X-Request-ID are believed only from a configured proxy.
A client could write any address into the audit log by sending the header itself."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry

pytestmark = pytest.mark.django_db

FORGED = {"HTTP_X_REAL_IP": "198.51.100.7", "HTTP_X_REQUEST_ID": "forged-by-client"}


def failed_login(remote_addr: str) -> tuple[AuditEntry, str]:
    response = Client().post(
        "/accounts/login/",
        {"username": "nobody", "password": "wrong-password-123"},
        REMOTE_ADDR=remote_addr,
        HTTP_X_REAL_IP=FORGED["HTTP_X_REAL_IP"],
        HTTP_X_REQUEST_ID=FORGED["HTTP_X_REQUEST_ID"],
    )
    assert response.status_code == 400
    entry = AuditEntry.objects.filter(action="auth.login_failed").latest("pk")
    return entry, response["X-Request-ID"]


def test_a_client_cannot_choose_its_address_or_request_id(settings) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    entry, request_id = failed_login("203.0.113.9")
    assert entry.client_ip == "203.0.113.9"
    assert entry.request_id == request_id != "forged-by-client"


def test_the_configured_proxy_is_believed(settings) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    entry, request_id = failed_login("127.0.0.1")
    assert entry.client_ip == "198.51.100.7"
    assert entry.request_id == request_id == "forged-by-client"


def test_an_embedded_node_believes_no_one(settings) -> None:
    settings.TRUSTED_PROXIES = []
    entry, _ = failed_login("127.0.0.1")
    assert entry.client_ip == "127.0.0.1"
