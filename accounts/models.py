"""Users of a national node and their personal API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROSECUTOR = "prosecutor", _("Prosecutor")
    COORDINATOR = "coordinator", _("National coordinator")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PROSECUTOR)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Bumped by "log out everywhere": sessions carrying an older value are refused.
    session_generation = models.PositiveIntegerField(default=0)

    @property
    def is_coordinator(self) -> bool:
        return self.role in (Role.COORDINATOR, Role.ADMIN)

    @property
    def is_auditor(self) -> bool:
        return self.role in (Role.AUDITOR, Role.ADMIN)


class TokenScope(models.TextChoices):
    """What a token may do: `read` is refused every unsafe method (POST, PUT, PATCH, DELETE)."""

    READ = "read", _("read only")
    WRITE = "write", _("read and write")


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored. It stops working at `expires_at`
    (chosen at creation, bounded by accounts.services.TOKEN_MAX_DAYS) or when revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.WRITE)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
