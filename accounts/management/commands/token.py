"""`python manage.py token create|revoke|list`: personal API tokens for scripts.

`create` prints the token alone on its last line (it is stored only as SHA-256).
`--scope read` refuses every unsafe method; `--expires-days` (default 90, at most
accounts.services.TOKEN_MAX_DAYS) bounds its life."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import selectors, services
from accounts.models import TokenScope, User


class Command(BaseCommand):
    help = "Create, revoke and list personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token; printed once, on the last line")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="")
        create.add_argument(
            "--scope",
            choices=TokenScope.values,
            default=TokenScope.WRITE,
            help="read: GET/HEAD/OPTIONS only; write: everything the user may do (default)",
        )
        create.add_argument(
            "--expires-days",
            type=int,
            default=services.TOKEN_DEFAULT_DAYS,
            help=f"days until it stops working (1 to {services.TOKEN_MAX_DAYS}; "
            f"default {services.TOKEN_DEFAULT_DAYS})",
        )
        revoke = sub.add_parser("revoke", help="revoke a token by id")
        revoke.add_argument("--id", type=int, required=True)
        listing = sub.add_parser("list", help="a user's active tokens")
        listing.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "revoke":
                token = services.token_revoke(token_id=options["id"])
                self.stdout.write(f"revoked {token.pk} ({token.prefix}…)")
                return
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user named {options['user']}")
            if options["action"] == "list":
                for t in selectors.active_tokens(user):
                    self.stdout.write(
                        f"{t.pk}\t{t.prefix}…\t{t.name or '-'}\t{t.scope}\t"
                        f"{t.created_at:%Y-%m-%d}\texpires {t.expires_at:%Y-%m-%d %H:%M}Z"
                    )
                return
            token, raw = services.token_create(
                user=user,
                name=options["name"],
                scope=options["scope"],
                expires_days=options["expires_days"],
            )
        except services.AccountError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"token {token.pk} for {user.username} ({token.scope}, expires "
            f"{token.expires_at:%Y-%m-%d %H:%M}Z); shown once:"
        )
        self.stdout.write(raw)
