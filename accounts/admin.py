"""Admin for users, tokens and second-factor devices (issue 17, problem 6).

- A role changes only through `accounts.services.user_set_role`, as with the `user`
  command: is_staff and is_superuser follow the role and are read-only here, so a demoted
  administrator loses them. Deactivation goes through `user_deactivate` (sessions,
  tokens and open duty desks end).
- No secret is ever shown: django-otp's own admins (TOTP key, QR code, static codes) are
  replaced by read-only lists; a lost phone is an action that calls `totp_reset`. Token
  hashes are not shown either; revocation calls `token_revoke`.
- Every page showing a user's security data (a user, devices, tokens) is audited as
  `admin.viewed` (which page of which object, never what it showed), on top of the audit
  entries of the admin's LogEntry (accounts.receivers).
"""

from __future__ import annotations

from typing import Any

# django-otp registers its admins when these modules are imported; import them first so
# that ours replace theirs whatever the order of INSTALLED_APPS.
import django_otp.plugins.otp_static.admin
import django_otp.plugins.otp_totp.admin  # noqa: F401
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import ApiToken, Role, User


class AuditedViewsMixin:
    """Audit `admin.viewed` for the list, change (view) and history pages of a model."""

    opts: Any

    def _viewed(self, request: HttpRequest, response: HttpResponse, view: str, oid: str) -> None:
        if request.method == "GET" and response.status_code == 200:
            services.admin_viewed(
                actor=request.user,
                object_type=f"{self.opts.app_label}.{self.opts.model_name}",
                object_id=oid,
                view=view,
            )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response: HttpResponse = super().changelist_view(request, extra_context)  # type: ignore[misc]
        self._viewed(request, response, "list", "")
        return response

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        response: HttpResponse = super().changeform_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context
        )
        if object_id is not None:
            self._viewed(request, response, "change", str(object_id))
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        response: HttpResponse = super().history_view(  # type: ignore[misc]
            request, object_id, extra_context
        )
        self._viewed(request, response, "history", str(object_id))
        return response


@admin.register(User)
class UserAdmin(AuditedViewsMixin, BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "role", "unit", "is_active", "last_login")
    list_filter = ("role", "is_active")
    readonly_fields = ("is_staff", "is_superuser", "last_login", "date_joined")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("net247", {"fields": ("role", "unit", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("net247", {"fields": ("role", "unit")}),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """The form's other fields are saved as usual; the role and a deactivation are
        left to the services, in the same transaction."""
        if not change:
            with transaction.atomic():
                obj.is_staff = obj.is_superuser = obj.role == Role.ADMIN
                super().save_model(request, obj, form, change)
                services.user_admin_created(user=obj, actor=request.user)
            return
        before = User.objects.filter(pk=obj.pk).values("role", "is_active").first()
        assert before is not None
        role, active = obj.role, obj.is_active
        obj.role = before["role"]
        deactivating = before["is_active"] and not active
        if deactivating:
            obj.is_active = True
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if role != before["role"]:
                services.user_set_role(user=obj, role=role, actor=request.user, via="admin")
            if deactivating:
                services.user_deactivate(user=obj, actor=request.user, via="admin")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedViewsMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("prefix", "user", "name", "scope", "created_at", "expires_at", "revoked_at")
    fields = ("user", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at",
              "revoked_at")  # fmt: skip
    readonly_fields = fields
    list_filter = ("scope", "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token is made by its owner (account page, `token create`)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            services.token_revoke(token_id=token.pk, actor=request.user)
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)


class DeviceAdmin(AuditedViewsMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: who has which device, never its key; the way out is a TOTP reset."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    list_filter = ("confirmed",)
    actions = ("reset_totp",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_reset_permission(self, request: HttpRequest) -> bool:
        return bool(getattr(request.user, "is_superuser", False))

    @admin.action(
        description=_("Reset two-factor authentication of these users (they enrol again)"),
        permissions=["reset"],
    )
    def reset_totp(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        users = User.objects.filter(pk__in=queryset.values("user_id"))
        for user in users:
            services.totp_reset(user=user, actor=request.user, via="admin")
        self.message_user(request, _("Two-factor authentication reset."), messages.SUCCESS)


for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, DeviceAdmin)
