"""The Celery application; used by workers in production and by `node run` in-process."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "net247.settings")

app = Celery("net247")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
