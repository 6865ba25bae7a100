from django.apps import AppConfig


class NodeConfig(AppConfig):
    name = "node"
    verbose_name = "Node identity and keys"
