"""A registry's token: `Authorization: Bearer n247reg_...`, for the feed endpoints only.

The feed views use this class alone, so a person's API token does not open the feed and
a registry's token opens nothing else (the other endpoints' Bearer class rejects it).
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.tokens import token_hash
from cases.blocking.models import Registry


class RegistryTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Registry, None] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        parts = header.split()
        if not parts or parts[0] != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization: Bearer <registry token>")
        registry = Registry.objects.filter(
            token_hash=token_hash(parts[1]), revoked_at__isnull=True
        ).first()
        if registry is None:
            raise exceptions.AuthenticationFailed("invalid or revoked registry token")
        return registry, None

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class IsRegistry(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        user: Any = request.user
        return isinstance(user, Registry)
