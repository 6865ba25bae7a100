"""gunicorn settings for the node's HTTP pages and API (net247-web.service).

Why sync workers: Django's views, DRF and the ORM are synchronous; ASGI servers (uvicorn,
daphne) run sync views in a thread pool, handing each request between threads, and
answered a bare endpoint at a fraction of sync workers' rate (docs/serving.md). So HTTP
goes here and only WebSockets go to the ASGI server (docs/serving.md).

The bind address is on the unit's command line (--bind), so the unit shows where it listens.
"""

from __future__ import annotations

import multiprocessing
import os

wsgi_app = "net247.wsgi:application"
worker_class = "sync"
# 2 x cores + 1 sync workers; a worker is busy for the length of one request.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# A request that takes longer than this is killed and logged; nothing here should.
timeout = 30
# On SIGTERM, workers finish their request for up to this long.
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound. Not often: a new
# worker loads Django and warms up (node.warmup), which spread over a few thousand requests
# would cost each of them a sizeable share of a bare API call.
max_requests = 20000
max_requests_jitter = 2000
# Headers and request line limits (nginx limits bodies in front).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# nginx on the same host is the only client; trust its X-Forwarded-Proto.
forwarded_allow_ips = "127.0.0.1,::1"
# To the journal; the request id ties an access line to its audit entries.
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%({x-real-ip}i)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}i)s "%(a)s"'
proc_name = "net247-web"


def post_worker_init(worker: object) -> None:
    """Each worker pays its one-time costs (URLconf, first connections) before serving."""
    from node.warmup import warm_up

    warm_up()
