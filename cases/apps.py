from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases import access, alerting, private_match
        from cases.receiving import register_all

        register_all()
        alerting.register()
        access.connect()
        private_match.register()
