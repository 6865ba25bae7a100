from django.apps import AppConfig


class LegalMapConfig(AppConfig):
    name = "legal_map"
