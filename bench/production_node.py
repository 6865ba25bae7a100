"""Serve one node the way the production kit does, for a benchmark on this machine.

    python bench/production_node.py --http-port 8000 --ws-port 8001

The node's environment comes from the caller (deploy.federation's Node: DATABASE_URL,
REDIS_URL, NODE_*). It starts the kit's own command lines from its systemd units: gunicorn
(pages, API, federation inbox), uvicorn (WebSockets only), the two Celery workers and
beat, with only the ports and file locations swapped. It lives as long as they all do;
SIGTERM stops them all (and deploy.federation signals the whole process group anyway).
Without PostgreSQL and Redis there is no production path: the embedded node is `node run`.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.units import exec_start, replace_option

SERVICES = ("net247-web", "net247-ws", "net247-worker", "net247-worker-alerts", "net247-beat")


def command(service: str, http_port: int, ws_port: int, var_dir: str) -> list[str]:
    argv = exec_start(service)
    if service == "net247-web":
        return replace_option(argv, "--bind", f"127.0.0.1:{http_port}")
    if service == "net247-ws":
        return replace_option(argv, "--port", str(ws_port))
    if service == "net247-beat":
        return replace_option(argv, "--schedule", os.path.join(var_dir, "celerybeat-schedule"))
    return argv


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--ws-port", type=int, required=True)
    args = parser.parse_args()
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        sys.exit("the production path needs DATABASE_URL and REDIS_URL")
    var_dir = os.environ.get("NODE_VAR_DIR", ".")
    children = [
        subprocess.Popen(command(name, args.http_port, args.ws_port, var_dir)) for name in SERVICES
    ]

    def stop(code: int = 0) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            child.wait(timeout=20)
        sys.exit(code)

    signal.signal(signal.SIGTERM, lambda *_: stop())
    signal.signal(signal.SIGINT, lambda *_: stop())
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    failed = [SERVICES[i] for i, child in enumerate(children) if child.poll() is not None]
    print(f"production_node: {', '.join(failed)} exited; stopping the rest", file=sys.stderr)
    stop(1)


if __name__ == "__main__":
    main()
