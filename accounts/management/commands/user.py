"""`python manage.py user create|set-role|deactivate|reset-totp|list`: operators script users.

Secrets come from files (never the command line, which `ps` shows). Nothing secret is
printed unless asked for with --print-totp-uri.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors, services
from accounts.models import Role, User


def _read_secret(path: str, what: str) -> str:
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise CommandError(f"cannot read {what} file {path}: {exc.strerror}") from exc
    if not value:
        raise CommandError(f"the {what} file {path} is empty")
    return value


class Command(BaseCommand):
    help = "Create and manage node users."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user")
        create.add_argument("--username", required=True)
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--password-file", required=True)
        create.add_argument("--unit", default="")
        create.add_argument("--email", default="")
        create.add_argument("--phone", default="")
        create.add_argument(
            "--totp-secret-file", help="base32 TOTP secret: pre-enrol a confirmed device"
        )
        create.add_argument(
            "--print-totp-uri", action="store_true", help="print the otpauth:// URI (secret!)"
        )
        set_role = sub.add_parser("set-role", help="change a user's role")
        set_role.add_argument("--username", required=True)
        set_role.add_argument("--role", required=True, choices=Role.values)
        deactivate = sub.add_parser("deactivate", help="deactivate, end sessions, revoke tokens")
        deactivate.add_argument("--username", required=True)
        reset = sub.add_parser("reset-totp", help="remove TOTP devices: next login re-enrols")
        reset.add_argument("--username", required=True)
        listing = sub.add_parser("list", help="list users")
        listing.add_argument("--role", choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                self._create(options)
            elif action == "list":
                self._list(options.get("role"))
            else:
                user = self._user(options["username"])
                if action == "set-role":
                    services.user_set_role(user=user, role=options["role"])
                    self.stdout.write(f"{user.username}: role {options['role']}")
                elif action == "deactivate":
                    services.user_deactivate(user=user)
                    self.stdout.write(f"{user.username}: deactivated")
                elif action == "reset-totp":
                    removed = services.totp_reset(user=user)
                    self.stdout.write(f"{user.username}: {removed} TOTP device(s) removed")
        except services.AccountError as exc:
            raise CommandError(str(exc)) from exc

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username}")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        password = _read_secret(options["password_file"], "password")
        secret = None
        if options.get("totp_secret_file"):
            secret = _read_secret(options["totp_secret_file"], "TOTP secret")
        user = services.user_create(
            username=options["username"],
            role=options["role"],
            password=password,
            unit=options["unit"],
            email=options["email"],
            phone=options["phone"],
            totp_secret=secret,
        )
        totp = "TOTP pre-enrolled" if secret else "TOTP enrolment at first login"
        self.stdout.write(f"created {user.username} ({user.role}); {totp}")
        if options["print_totp_uri"]:
            device = TOTPDevice.objects.filter(user=user).first()
            if device is None:
                raise CommandError("--print-totp-uri needs --totp-secret-file")
            self.stdout.write(device.config_url)

    def _list(self, role: str | None) -> None:
        users = selectors.users_by_role(role, active_only=False) if role else selectors.people()
        for user in users.order_by("username"):
            totp = "totp" if selectors.has_confirmed_totp(user) else "no-totp"
            state = "active" if user.is_active else "inactive"
            self.stdout.write(f"{user.username}\t{user.role}\t{user.unit or '-'}\t{state}\t{totp}")
