"""Operators' rota CLI.

oncall set --schedule default --users a,b --handoff 09:00 --rotation daily [--start D]
oncall show [--at ISO] [--json]
oncall override --schedule default --user c --from ISO --to ISO
oncall channel --user a (--email x@y | --webhook URL)
oncall contact --country KZ --name "Duty prosecutor" --phone +7...
oncall defaults             (escalation policies of a fresh node)
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from alerts import rota, rota_services, selectors, services
from alerts.models import Schedule


def _when(text: str) -> datetime:
    value = parse_datetime(text)
    if value is None:
        raise CommandError(f"not an ISO date-time: {text}")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, selectors.node_zone())
    return value


class Command(BaseCommand):
    help = "Rota (on-call schedules), notification channels and peer duty contacts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("set")
        s.add_argument("--schedule", default="default")
        s.add_argument("--users", required=True)
        s.add_argument("--handoff", default="09:00")
        s.add_argument("--rotation", default="daily", choices=["daily", "weekly"])
        s.add_argument("--start")
        show = sub.add_parser("show")
        show.add_argument("--at")
        show.add_argument("--json", action="store_true")
        o = sub.add_parser("override")
        o.add_argument("--schedule", default="default")
        o.add_argument("--user", required=True)
        o.add_argument("--from", dest="start", required=True)
        o.add_argument("--to", dest="end", required=True)
        c = sub.add_parser("channel")
        c.add_argument("--user", required=True)
        c.add_argument("--email")
        c.add_argument("--webhook")
        p = sub.add_parser("contact")
        p.add_argument("--country", required=True)
        p.add_argument("--name", required=True)
        p.add_argument("--phone", required=True)
        p.add_argument("--note", default="")
        sub.add_parser("defaults")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"])(options)
        except services.AlertsError as exc:
            raise CommandError(f"{exc.field}: {exc}") from exc

    def _set(self, options: dict[str, Any]) -> None:
        try:
            handoff = time.fromisoformat(options["handoff"])
            start = date.fromisoformat(options["start"]) if options["start"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        services.schedule_set(
            name=options["schedule"],
            usernames=[u.strip() for u in options["users"].split(",") if u.strip()],
            handoff=handoff,
            rotation=options["rotation"],
            # Without --start, the rota covers now: a 09:00 hand-off set at 03:00 starts
            # with yesterday's shift rather than leaving the night uncovered.
            start=start or rota.shift_start(timezone.now(), handoff, selectors.node_zone()),
        )
        services.policies_ensure_defaults()
        self.stdout.write(f"schedule {options['schedule']} set and published")

    def _show(self, options: dict[str, Any]) -> None:
        at = _when(options["at"]) if options["at"] else timezone.now()
        view = selectors.on_call_view(at)
        if options["json"]:
            self.stdout.write(json.dumps(view, default=str, indent=2))
            return
        zone = selectors.node_zone()
        for row in view:
            names = ", ".join(f"{u['username']} {u['phone']}".strip() for u in row["on_call"])
            nxt = row["next_handoff"].astimezone(zone).isoformat() if row["next_handoff"] else "-"
            flag = "" if row["published"] else " (not published)"
            self.stdout.write(f"{row['schedule']}{flag}: {names or 'nobody'}; next hand-off {nxt}")

    def _override(self, options: dict[str, Any]) -> None:
        schedule = Schedule.objects.filter(name=options["schedule"]).first()
        if schedule is None:
            raise CommandError(f"no schedule {options['schedule']}")
        rota_services.override_save(
            schedule=schedule,
            username=options["user"],
            start=_when(options["start"]),
            end=_when(options["end"]),
        )
        self.stdout.write("override added")

    def _channel(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']}")
        if options["email"]:
            services.channel_add(user=user, kind="email", target=options["email"])
        if options["webhook"]:
            services.channel_add(user=user, kind="webhook", target=options["webhook"])
        self.stdout.write("channel saved")

    def _contact(self, options: dict[str, Any]) -> None:
        rota_services.peer_contact_add(
            country=options["country"], name=options["name"], phone=options["phone"],
            note=options["note"],
        )  # fmt: skip
        self.stdout.write("contact saved")

    def _defaults(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"{services.policies_ensure_defaults()} policies created")
