"""`manage.py node init | show | run | rotate-key` (contract section 6)."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from node import crypto, keystore, services, wiretime


class Command(BaseCommand):
    help = "Initialise, show, run or rotate the key of this national node."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="create the node's identity and first key (idempotent)")
        init.add_argument("--label", help="key label, e.g. 2026-11a (default: year-month+letter)")
        show = sub.add_parser("show", help="print the node's country, URL and keys")
        show.add_argument("--json", action="store_true")
        run = sub.add_parser("run", help="serve pages, API and WebSockets in the foreground")
        run.add_argument("--host", default="127.0.0.1")
        run.add_argument("--port", type=int, default=8000)
        run.add_argument(
            "--with-worker",
            action="store_true",
            help="with REDIS_URL: also start a Celery worker with beat as a child process",
        )
        run.add_argument("--no-migrate", action="store_true", help="skip applying migrations")
        rotate = sub.add_parser("rotate-key", help="make a new current key and announce it")
        rotate.add_argument("--label")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "init":
            self._init(options.get("label"))
        elif action == "show":
            self._show(as_json=options["json"])
        elif action == "run":
            self._run(options)
        elif action == "rotate-key":
            key = services.node_rotate_key(label=options.get("label"))
            self._print_key(key.key_id, key.public_key)

    def _print_key(self, key_id: str, public_key: str) -> None:
        self.stdout.write(f"key_id: {key_id}")
        self.stdout.write(f"public_key: {public_key}")
        self.stdout.write(f"fingerprint: {crypto.fingerprint(public_key)}")

    def _init(self, label: str | None) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        try:
            key, created = services.node_init(label=label)
        except keystore.KeyStoreError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"country: {settings.NODE_COUNTRY}")
        self.stdout.write(f"url: {settings.NODE_URL}")
        self._print_key(key.key_id, key.public_key)
        if not created:
            self.stdout.write("(already initialised)")

    def _show(self, *, as_json: bool) -> None:
        keys = [
            {
                "id": key.key_id,
                "public_key": key.public_key,
                "valid_from": wiretime.format_time(key.valid_from),
                "valid_until": wiretime.format_time(key.valid_until) if key.valid_until else None,
            }
            for key in keystore.published_keys()
        ]
        data = {"country": settings.NODE_COUNTRY, "url": settings.NODE_URL, "keys": keys}
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(f"country: {data['country']}\nurl: {data['url']}")
        for key in keys:
            fp = crypto.fingerprint(str(key["public_key"]))
            self.stdout.write(f"  {key['id']}  {key['public_key']}  fingerprint {fp}")

    def _run(self, options: dict[str, Any]) -> None:
        import uvicorn

        from node.jobs import Scheduler, shutdown

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        scheduler: Scheduler | None = None
        worker: subprocess.Popen[bytes] | None = None
        if settings.BACKGROUND == "inprocess":
            scheduler = Scheduler()
            scheduler.start()
        elif options["with_worker"]:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "net247",
                    "worker",
                    "-B",
                    "--loglevel=WARNING",
                    "--concurrency=2",
                    "--without-gossip",
                    "--without-mingle",
                    "--pool=threads",
                    "-s",
                    str(settings.VAR_DIR / "celerybeat-schedule"),
                ],
            )
        config = uvicorn.Config(
            "net247.asgi:application",
            host=options["host"],
            port=options["port"],
            lifespan="off",
            ws="websockets-sansio",
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        from node.warmup import warm_up

        warm_up()  # the first alert after a start should not pay for first connections
        _announce_presence()
        self.stdout.write(
            f"net247 node {settings.NODE_COUNTRY} serving on http://{options['host']}:{options['port']}"
            f" ({settings.DEPLOYMENT}, background: {settings.BACKGROUND})"
        )
        self.stdout.flush()
        try:
            server.run()  # installs SIGINT/SIGTERM handlers and returns on either
        finally:
            if scheduler is not None:
                scheduler.stop()
                scheduler.join(timeout=5)
            shutdown()
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()


def _announce_presence() -> None:
    """Tell the apps the node is up (node.signals.node_started: the exchange announces us
    to the peers); a node that cannot must still start: the peers' probes of GET /keys
    find it within seconds anyway."""
    from node.signals import node_started

    for receiver, result in node_started.send_robust(sender=None):
        if isinstance(result, Exception):
            logging.getLogger(__name__).error("%s failed at start", receiver, exc_info=result)
