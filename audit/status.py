"""The verification status the auditor's page shows, without rehashing the whole log on
every view: a full walk at most every AUDIT_FULL_VERIFY_SECONDS (default 300), and in
between only the entries appended since the last walk, from a checkpoint in the cache.

The checkpoint is used only while its entry is still there with the same hash; anything
else (another database, a removed or replaced row) falls back to a full walk. A change
to an older row's content is therefore reported at the next full walk at the latest;
the page shows when that was. `manage.py audit verify` always walks everything.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache

from audit.models import AuditEntry
from audit.verify import Checkpoint, Verification, walk

KEY = "audit.verify.checkpoint"


def _usable(saved: object, max_age: float, now: float) -> Checkpoint | None:
    if not isinstance(saved, dict) or now - float(saved.get("full_at", 0)) > max_age:
        return None
    try:
        checkpoint = Checkpoint(
            int(saved["seq"]), str(saved["entry_hash"]), [tuple(x) for x in saved["frontier"]]
        )
    except (KeyError, TypeError, ValueError):
        return None
    if (
        checkpoint.seq
        and not AuditEntry.objects.filter(
            seq=checkpoint.seq, entry_hash=checkpoint.entry_hash
        ).exists()
    ):
        return None
    return checkpoint


def current() -> tuple[Verification, datetime]:
    """(result, time of the last full walk behind it)."""
    max_age = float(settings.AUDIT_FULL_VERIFY_SECONDS)
    now = time.time()
    saved = cache.get(KEY)
    start = _usable(saved, max_age, now)
    full_at = float(saved["full_at"]) if start is not None and isinstance(saved, dict) else now
    result, done = walk(start)
    if done is not None:
        cache.set(KEY, asdict(done) | {"full_at": full_at}, timeout=None)
    else:
        cache.delete(KEY)
    return result, datetime.fromtimestamp(full_at, tz=UTC)
