"""Admin for users and tokens. Role and deactivation changes are audited as such
(accounts.services.user_admin_saved) on top of the audit entry for the admin's LogEntry."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.http import HttpRequest

from accounts import services
from accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "role", "unit", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("net247", {"fields": ("role", "unit", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("net247", {"fields": ("role", "unit")}),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before: dict[str, Any] | None = None
        if change:
            old = User.objects.filter(pk=obj.pk).values("role", "is_active").first()
            before = dict(old) if old else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            services.user_admin_saved(user=obj, before=before, actor=request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")
    list_filter = ("revoked_at",)
