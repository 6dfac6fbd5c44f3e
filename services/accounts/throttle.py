"""Limits on repeated attempts, counted in the database so that every worker process
sees the same numbers: failed logins (services.accounts.login_policy), SMS requests per client
address and per phone (services.messaging.sms), public form submissions per address — each
attempt a row, read back in its window — and an API token's calls, kept as a pace (``pace``):
one row a token, as a token's calls come by the thousand."""
from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from peewee import Case

from models import ThrottleHit, ThrottlePace, now


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    window: dt.timedelta


SMS_PER_ADDRESS = Limit("sms_addr", 20, dt.timedelta(hours=1))
# /register, /activate and /forgot-password: answers there tell whether an ID number or
# phone is registered, so each address gets a limited number of submissions.
PUBLIC_FORM_PER_ADDRESS = Limit("form_addr", 30, dt.timedelta(hours=1))


class Throttled(Exception):
    def __init__(self, seconds: float) -> None:
        self.seconds = max(1, int(seconds))
        self.minutes = -(-self.seconds // 60)
        super().__init__(str(_l("Too many attempts; please try again in %(minutes)s minutes.", minutes=self.minutes)))


def attempt(limit: Limit, key: str) -> ThrottleHit:
    """Count one attempt by ``key`` and return its hit; raise Throttled, without counting
    it, when ``key`` had already used up ``limit`` in its window. The hit is written before
    the count is read, so concurrent attempts cannot all slip under the limit."""
    key = key[:100]
    _forget_expired(limit, key)
    hit = ThrottleHit.create(scope=limit.scope, key=key)
    over = _newest(limit, key, limit.count)
    if over is not None:
        # Refused attempts are not counted, so hammering does not prolong the wait: it
        # ends when the oldest of the counted hits leaves the window.
        hit.delete_instance()
        wait = over + limit.window - now()
        raise Throttled(math.ceil(wait.total_seconds()))
    return hit


def pace(limit: Limit, key: str) -> None:
    """Count one call by ``key`` against ``limit`` taken as a rate (the generic cell rate
    algorithm): ``limit.count`` calls at once, then one every ``window / count``; raise
    Throttled, without counting it, when the call comes too early. ``due`` moves one
    interval per call and never lags the clock, so a call is early when its key's ``due``
    is more than the window less one interval ahead. One UPDATE, atomic in either database;
    a key's first call inserts its row."""
    key = key[:100]
    interval = limit.window.total_seconds() / limit.count
    slack = limit.window.total_seconds() - interval
    at = clock()
    if _step(limit.scope, key, at, interval, slack):
        return
    ThrottlePace.insert(scope=limit.scope, key=key, due=at).on_conflict_ignore().execute()
    if _step(limit.scope, key, at, interval, slack):
        return
    due = ThrottlePace.select(ThrottlePace.due).where(ThrottlePace.scope == limit.scope, ThrottlePace.key == key).scalar()
    raise Throttled(math.ceil(due - slack - at))


def clock() -> float:
    """Seconds since the epoch, as ``pace`` reads them (tests move it)."""
    return time.time()


def _step(scope: str, key: str, at: float, interval: float, slack: float) -> bool:
    caught_up = Case(None, ((ThrottlePace.due > at, ThrottlePace.due),), at)
    return bool(ThrottlePace.update(due=caught_up + interval)
                .where(ThrottlePace.scope == scope, ThrottlePace.key == key, ThrottlePace.due <= at + slack)
                .execute())


def _newest(limit: Limit, key: str, skipped: int) -> dt.datetime | None:
    """When the hit after the ``skipped`` newest of ``key`` in the window was made (None
    when there are no more): one row from the index, where reading the window's stamps
    read up to the whole limit (an API token's 600 calls a minute) on every call."""
    row = (ThrottleHit.select(ThrottleHit.created_at)
           .where(ThrottleHit.scope == limit.scope, ThrottleHit.key == key, ThrottleHit.created_at > now() - limit.window)
           .order_by(ThrottleHit.created_at.desc(), ThrottleHit.id.desc())
           .limit(1).offset(skipped).first())
    return None if row is None else row.created_at


def record(limit: Limit, key: str) -> ThrottleHit:
    """Count one attempt without refusing it; returns the hit."""
    _forget_expired(limit, key[:100])
    return ThrottleHit.create(scope=limit.scope, key=key[:100])


def count(limit: Limit, key: str) -> int:
    """Attempts by ``key`` in the window of ``limit``."""
    return (
        ThrottleHit.select()
        .where(ThrottleHit.scope == limit.scope, ThrottleHit.key == key[:100], ThrottleHit.created_at > now() - limit.window)
        .count()
    )


def wait(limit: Limit, key: str) -> int:
    """Seconds until ``key`` is below ``limit`` again; 0 when it is below now."""
    last_counted = _newest(limit, key[:100], limit.count - 1)
    if last_counted is None:
        return 0
    # Never past the window (a hit stamped this very instant leaves it in exactly the window).
    remaining = (last_counted + limit.window - now()).total_seconds()
    return max(1, min(math.ceil(remaining), int(limit.window.total_seconds())))


def forget(hit: ThrottleHit) -> None:
    """Take back one attempt that turned out well (a successful login)."""
    ThrottleHit.delete().where(ThrottleHit.id == hit.id).execute()


def clear(limit: Limit, key: str) -> None:
    ThrottleHit.delete().where(ThrottleHit.scope == limit.scope, ThrottleHit.key == key[:100]).execute()


def _forget_expired(limit: Limit, key: str) -> None:
    """Forget the key's hits that left the window: a range of its index. Other keys' go
    with nightly housekeeping; every read keeps to the window, so they change no count."""
    ThrottleHit.delete().where(
        ThrottleHit.scope == limit.scope, ThrottleHit.key == key, ThrottleHit.created_at <= now() - limit.window
    ).execute()
