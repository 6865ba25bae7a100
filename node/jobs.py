"""Background work that runs the same way with or without a broker.

The database is always the truth (outbox rows, escalation steps); a periodic sweep finds
whatever is due. `enqueue` only makes things faster: after the transaction commits it hands
a task to Celery (REDIS_URL set) or to this process's thread pool (embedded default).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction

logger = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_tasks_imported = False


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="net247-bg")
        return _executor


def run_task_here(name: str, args: tuple[Any, ...]) -> None:
    """Run a registered Celery task's body in this thread, with fresh DB connections."""
    global _tasks_imported
    from net247.celery import app

    if not _tasks_imported:
        # Autodiscovery is lazy outside a worker. Once per process: Celery's Django fixup
        # runs every system check on each call, and per task that was most of a task's CPU.
        with _executor_lock:
            if not _tasks_imported:
                app.loader.import_default_modules()
                _tasks_imported = True
    close_old_connections()
    try:
        app.tasks[name].apply(args=args, throw=False)
    except Exception:
        logger.exception("background task %s failed", name)
    finally:
        close_old_connections()


def dispatch(name: str, *args: Any) -> None:
    """Start a task now (no transaction involved)."""
    if settings.BACKGROUND == "celery":
        from net247.celery import app

        app.send_task(name, args=list(args))
    else:
        _pool().submit(run_task_here, name, args)


def dispatch_later(seconds: float, name: str, *args: Any) -> None:
    """Start a task in `seconds` (a Celery countdown, or a timer that hands it to this
    process's pool). Only ever a shortcut: the periodic sweep finds due rows anyway, and a
    timer dies with its process."""
    if settings.BACKGROUND == "celery":
        from net247.celery import app

        app.send_task(name, args=list(args), countdown=max(0.0, seconds))
    else:
        timer = threading.Timer(max(0.0, seconds), dispatch, args=(name, *args))
        timer.daemon = True
        timer.start()


def enqueue(name: str, *args: Any) -> None:
    """Start a task once the current transaction has committed; never before."""
    transaction.on_commit(lambda: dispatch(name, *args))


class Scheduler(threading.Thread):
    """Plays CELERY_BEAT_SCHEDULE in-process for the embedded default; never overlaps a task."""

    def __init__(self) -> None:
        super().__init__(name="net247-scheduler", daemon=True)
        self.stop_event = threading.Event()
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def _run_once(self, name: str) -> None:
        try:
            run_task_here(name, ())
        finally:
            with self._lock:
                self._running.discard(name)

    def run(self) -> None:
        schedule: dict[str, float] = {
            str(entry["task"]): float(entry["schedule"])  # type: ignore[arg-type]
            for entry in settings.CELERY_BEAT_SCHEDULE.values()
        }
        next_due = dict.fromkeys(schedule, time.monotonic() + 1.0)
        while not self.stop_event.is_set():
            now = time.monotonic()
            for name, interval in schedule.items():
                if now < next_due[name]:
                    continue
                next_due[name] = now + interval
                with self._lock:
                    if name in self._running:
                        continue
                    self._running.add(name)
                _pool().submit(self._run_once, name)
            self.stop_event.wait(0.5)

    def stop(self) -> None:
        self.stop_event.set()


def shutdown() -> None:
    global _executor
    with _executor_lock:
        if _executor is not None:
            _executor.shutdown(wait=True, cancel_futures=True)
            _executor = None
