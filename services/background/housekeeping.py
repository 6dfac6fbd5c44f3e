"""Nightly housekeeping (a periodic job, also `flask housekeeping`): remove what has no
use any more and keep the query planner informed.

- verification codes a day old (the per-number daily limit counts a day back),
- attempt-limit hits older than the longest window, and the paces of API tokens idle a day,
- stored files no attachment refers to (``storage.sweep_orphans``, an hour's grace),
- on SQLite, ``PRAGMA optimize`` so the planner's statistics follow the data.
"""
import datetime as dt

from peewee import SqliteDatabase

from models import ThrottleHit, ThrottlePace, VerificationCode, db, now

KEEP_CODES = dt.timedelta(days=1)
KEEP_THROTTLE_HITS = dt.timedelta(days=1)
ORPHAN_MIN_AGE = 3600


def run():
    """Do every step; returns what was removed, for the log and the CLI."""
    from services.files import storage

    cutoff = now()
    removed = {
        "codes": VerificationCode.delete().where(VerificationCode.created_at < cutoff - KEEP_CODES).execute(),
        "throttle_hits": ThrottleHit.delete().where(ThrottleHit.created_at < cutoff - KEEP_THROTTLE_HITS).execute(),
        # A pace behind the clock is the same as none: its next call inserts it again.
        "paces": ThrottlePace.delete().where(
            ThrottlePace.due < cutoff.timestamp() - KEEP_THROTTLE_HITS.total_seconds()).execute(),
    }
    try:
        removed["files"] = len(storage.sweep_orphans(ORPHAN_MIN_AGE))
    except storage.SweepRefused:
        removed["files"] = 0  # a database that records no file at all: nothing is swept
    if isinstance(db.obj, SqliteDatabase):
        db.execute_sql("PRAGMA optimize")
    return removed
