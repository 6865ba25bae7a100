"""Signal receivers that turn auth and admin events into audit entries (via services).

Connected in AccountsConfig.ready(). The password never reaches the audit log: Django's
`user_login_failed` passes cleansed credentials and we keep only the username tried.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_save

from accounts import services
from audit.services import record

ADMIN_ACTIONS = {ADDITION: "admin.added", CHANGE: "admin.changed", DELETION: "admin.deleted"}


def on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # Password step passed; the login is complete (auth.login) only after TOTP.
    if request is not None:
        request.session["session_generation"] = user.session_generation
    services.audit_login_event("auth.password_ok", user=user)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """Runs after axes' own receiver (axes is installed first), so its count is known:
    below the limit a plain failure, at the limit the failure that locks, above it (or
    no count) an attempt refused because the account was already locked."""
    username = str(credentials.get("username", ""))[:150]
    limit = int(settings.AXES_FAILURE_LIMIT)
    failures = getattr(request, "axes_failures_since_start", None) if request else 0
    if failures is None or failures > limit:
        services.audit_login_event(
            "auth.login_refused_locked", username=username, outcome="failure"
        )
        return
    services.audit_login_event("auth.login_failed", username=username, outcome="failure")
    if failures == limit:
        services.audit_login_event("auth.lockout", username=username, outcome="failure")


def on_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        services.audit_login_event("auth.logout", user=user)


def on_admin_log_entry(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    content_type = instance.content_type
    with transaction.atomic():
        record(
            action=ADMIN_ACTIONS.get(instance.action_flag, "admin.action"),
            actor=instance.user,
            object_type=(f"{content_type.app_label}.{content_type.model}" if content_type else ""),
            object_id=instance.object_id or "",
            details={
                "object": instance.object_repr,
                "change": instance.get_change_message(),
            },
        )


def _audit_bulk_log_entries() -> None:
    """The admin logs a deletion of several objects with bulk_create, which sends no
    post_save: wrap the manager method so that those entries are audited too."""
    manager = LogEntry.objects
    original = manager.log_actions
    if getattr(original, "_net247_audited", False):
        return

    def log_actions(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if isinstance(result, list) and len(result) > 1:
            for entry in result:
                on_admin_log_entry(LogEntry, instance=entry, created=True)
        return result

    log_actions._net247_audited = True  # type: ignore[attr-defined]
    manager.log_actions = log_actions  # type: ignore[method-assign]


def connect() -> None:
    _audit_bulk_log_entries()
    user_logged_in.connect(on_logged_in, dispatch_uid="accounts.audit.logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="accounts.audit.login_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid="accounts.audit.logged_out")
    post_save.connect(on_admin_log_entry, sender=LogEntry, dispatch_uid="accounts.audit.admin")
