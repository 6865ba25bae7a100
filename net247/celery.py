"""The Celery application; used by workers in production and by `node run` in-process."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "net247.settings")

app = Celery("net247")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def _warm_up_child(**kwargs: Any) -> None:
    """A prefork child (production) or the solo pool: warm up before the first task."""
    from node.warmup import warm_up

    warm_up()


@signals.worker_ready.connect
def _warm_up_threads(sender: Any = None, **kwargs: Any) -> None:
    """The threads pool (`node run --with-worker`) runs tasks in this very process."""
    from celery.concurrency.thread import TaskPool as ThreadsPool

    if isinstance(getattr(sender, "pool", None), ThreadsPool):
        from node.warmup import warm_up

        warm_up()
