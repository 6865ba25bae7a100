"""`manage.py message send | failed | reprocess`.

send: a message by hand (connectivity checks, demo, load tests).
failed: received messages whose handler raised (the error is kept on the row).
reprocess --origin MD --id ENVELOPE_ID: hand a failed one to its handler again.

The body is validated against its type's schema; nothing is stored if it is invalid.
Delivery runs in the node's background work (its sweep picks the rows up).
"""

from __future__ import annotations

import copy
import json
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from exchange import inbox, services
from exchange.models import InboundMessage, InboundState


class Command(BaseCommand):
    help = "Send a signed message to peers (one transaction per message)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send")
        send.add_argument("--type", required=True)
        send.add_argument("--to", required=True, help="comma-separated countries")
        send.add_argument("--body", required=True, help="JSON object")
        send.add_argument("--handling", default="H0")
        send.add_argument("--thread")
        send.add_argument("--in-reply-to")
        send.add_argument("--count", type=int, default=1, help="send N copies ({n} in strings)")
        sub.add_parser("failed")
        again = sub.add_parser("reprocess")
        again.add_argument("--origin", required=True)
        again.add_argument("--id", required=True, dest="envelope_id")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "failed":
            for row in InboundMessage.objects.filter(state=InboundState.FAILED).order_by("pk"):
                self.stdout.write(f"{row.origin} {row.envelope_id} {row.type} {row.error[:200]}")
            return
        if options["action"] == "reprocess":
            outcome = inbox.reprocess(options["origin"].upper(), options["envelope_id"])
            if outcome == "not-failed":
                raise CommandError("no failed message with that origin and id")
            self.stdout.write(outcome)
            if outcome == InboundState.FAILED:
                raise CommandError("the handler failed again; see `message failed`")
            return
        try:
            body = json.loads(options["body"])
        except json.JSONDecodeError as exc:
            raise CommandError(f"--body is not JSON: {exc}") from exc
        to = [c for c in options["to"].split(",") if c]
        for n in range(options["count"]):
            copy_ = _numbered(copy.deepcopy(body), n)
            try:
                with transaction.atomic():
                    message = services.message_send(
                        type=options["type"],
                        to=to,
                        body=copy_,
                        handling=options["handling"],
                        thread=options["thread"],
                        in_reply_to=options["in_reply_to"],
                    )
            except ValidationError as exc:
                raise CommandError(json.dumps(exc.message_dict, ensure_ascii=False)) from exc
            self.stdout.write(message.envelope_id)


def _numbered(value: Any, n: int) -> Any:
    if isinstance(value, str):
        return value.replace("{n}", str(n))
    if isinstance(value, list):
        return [_numbered(v, n) for v in value]
    if isinstance(value, dict):
        return {k: _numbered(v, n) for k, v in value.items()}
    return value
