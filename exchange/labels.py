"""The protocol's vocabulary in words (pages, e-mails, the demo's narration): message
types, request kinds and indicator kinds; a reader sees "Уведомление о деле", never
`case.notification`."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGE_TYPE_LABELS: dict[str, Promise] = {
    "case.notification": _("Case notification"),
    "case.update": _("Case update"),
    "case.request": _("Request"),
    "case.response": _("Answer"),
    "takedown.request": _("Takedown request"),
    "takedown.status": _("Takedown status report"),
    "alert.ack": _("Acknowledgement by the person on duty"),
    "node.keys": _("Signing keys of a node"),
    "receipt": _("Receipt"),
    # Private match (issue 22)
    "match.query": _("Private check of indicators"),
    "match.answer": _("Answer to a private check"),
}

REQUEST_KIND_LABELS: dict[str, Promise] = {
    "information": _("Information"),
    "preservation": _("Preservation of data"),
    "assistance": _("Assistance"),
}

# The contract's indicator kinds (`schemas.INDICATOR_KINDS`); cases normalises them.
INDICATOR_KIND_LABELS: dict[str, Promise] = {
    "phone": _("Phone number"),
    "domain": _("Domain"),
    "url": _("URL"),
    "email": _("E-mail address"),
    "telegram": _("Telegram account"),
    "instagram": _("Instagram account"),
    "vk": _("VK account"),
    "wallet": _("Crypto wallet"),
    "iban": _("Bank account (IBAN)"),
    "image_sha256": _("Image fingerprint (SHA-256)"),
}


def _word(table: dict[str, Promise], value: str) -> str:
    """The value's word in the active language; an unknown (a newer peer's) value, as sent."""
    label = table.get(value)
    return str(label) if label is not None else value


def indicator_kind_label(kind: str) -> str:
    return _word(INDICATOR_KIND_LABELS, kind)


def request_kind_label(kind: str) -> str:
    return _word(REQUEST_KIND_LABELS, kind)


def message_type_label(kind: str) -> str:
    return _word(MESSAGE_TYPE_LABELS, kind)
