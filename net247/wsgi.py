"""WSGI entry point: production serves HTTP pages and API through gunicorn sync workers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "net247.settings")
application = get_wsgi_application()
