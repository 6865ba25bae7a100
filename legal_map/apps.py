from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_catalogue(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Load the catalogue file after `migrate` (and after a test flush) when it changed.

    Why post_migrate rather than a data migration: a data migration's rows vanish when a
    test database is flushed, and a new file version would need a new migration; the
    loader is idempotent (checksum) so running it on every migrate is cheap.
    """
    from django.db import connections

    from legal_map import services

    if using != "default":
        return
    tables = set(connections[using].introspection.table_names())
    if not {"legal_map_offence", "legal_map_cataloguestate", "audit_auditentry"} <= tables:
        return  # a partial migrate (or migrating legal_map to zero): nothing to load into
    services.catalogue_load()


class LegalMapConfig(AppConfig):
    name = "legal_map"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_load_catalogue, sender=self, dispatch_uid="legal_map_load")
