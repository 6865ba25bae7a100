"""`registry add NAME` (prints the token once), `registry revoke NAME`, `registry list`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cases.blocking import services
from cases.blocking.models import Registry
from cases.services import ServiceError


class Command(BaseCommand):
    help = "Blocking registries that pull this node's blocking feed."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add")
        add.add_argument("name")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("name")
        sub.add_parser("list")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "add":
            try:
                registry, token = services.registry_add(name=options["name"])
            except ServiceError as exc:
                raise CommandError(str(exc.message)) from exc
            self.stdout.write(f"registry: {registry.name}")
            self.stdout.write(f"token: {token}")
            self.stdout.write("(shown once: keep it in the registry's configuration)")
        elif action == "revoke":
            found = Registry.objects.filter(name=options["name"]).first()
            if found is None:
                raise CommandError(f"no registry named {options['name']}")
            services.registry_revoke(registry=found)
            self.stdout.write(f"revoked: {found.name}")
        else:
            for r in Registry.objects.all():
                state = "revoked" if r.revoked_at else "active"
                last = r.last_pull_at.isoformat() if r.last_pull_at else "never"
                self.stdout.write(f"{r.name}\t{state}\tlast pull {last}\tcursor {r.last_cursor}")
