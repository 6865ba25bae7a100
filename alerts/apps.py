from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self) -> None:
        """Listen to the exchange's and accounts' signals, take `alert.ack` messages and
        give the peers page the peers' duty contacts (neither exchange nor accounts
        imports alerts)."""
        from accounts import signals as account_signals
        from alerts import selectors, sources, tasks  # noqa: F401 (registers the Celery tasks)
        from exchange import contacts, handlers, schemas, signals

        account_signals.sessions_ended.connect(
            sources.on_sessions_ended, dispatch_uid="alerts.sessions_ended"
        )
        signals.delivery_failed.connect(sources.on_delivery_failed, dispatch_uid="alerts.failed")
        signals.delivery_overdue.connect(sources.on_delivery_overdue, dispatch_uid="alerts.overdue")
        signals.message_failed.connect(sources.on_message_failed, dispatch_uid="alerts.inbound")
        signals.message_refused.connect(sources.on_message_refused, dispatch_uid="alerts.refused")
        handlers.register(schemas.ALERT_ACK, sources.on_alert_ack)
        contacts.register(selectors.peer_contacts_by_country)
