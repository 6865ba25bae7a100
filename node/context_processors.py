from typing import Any

from django.conf import settings
from django.http import HttpRequest


def node(request: HttpRequest) -> dict[str, Any]:
    return {"NODE_COUNTRY": settings.NODE_COUNTRY, "NODE_DEMO": settings.DEMO_MODE}
