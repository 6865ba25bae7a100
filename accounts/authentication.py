"""API authentication: `Authorization: Bearer <token>`, or a session that passed TOTP.

A token counts until it is revoked or expires (its last_used_at moves at most once a
minute); a `read` token is refused (403) on every
unsafe method here, at authentication, so that no view can forget to check its scope.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from accounts.models import ApiToken, TokenScope
from accounts.tokens import token_hash

# last_used_at tells a person when a token was last used, to the minute: a row write on
# every request of a busy script was a fifth of its API calls' statements.
LAST_USED_EVERY = timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0] != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization: Bearer <token>")
        now = timezone.now()
        token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=token_hash(parts[1]), revoked_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("invalid, expired or revoked token")
        if token.scope != TokenScope.WRITE and request.method not in permissions.SAFE_METHODS:
            raise exceptions.PermissionDenied("this token is read-only (scope read)")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TwoFactorSessionAuthentication(authentication.SessionAuthentication):
    """Session authentication that only counts once the session passed TOTP."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if not getattr(request._request.user, "is_verified", lambda: False)():
            return None
        return user, None
