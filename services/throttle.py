"""Limits on repeated attempts, counted in the database so that every worker process
sees the same numbers: failed logins per account identifier and per client address,
SMS code requests per client address (they also tell whether a number is registered,
so guessing numbers is slowed down with them)."""
import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from models import ThrottleHit, now


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    window: dt.timedelta


LOGIN_PER_ACCOUNT = Limit("login", 10, dt.timedelta(minutes=15))
LOGIN_PER_ADDRESS = Limit("login_addr", 50, dt.timedelta(minutes=15))
SMS_PER_ADDRESS = Limit("sms_addr", 20, dt.timedelta(hours=1))


class Throttled(Exception):
    def __init__(self, minutes):
        super().__init__(str(_l("Too many attempts; please try again in %(minutes)s minutes.", minutes=minutes)))
        self.minutes = minutes


def _window(limit, key):
    return ThrottleHit.select().where(
        ThrottleHit.scope == limit.scope, ThrottleHit.key == key[:100], ThrottleHit.created_at > now() - limit.window
    )


def check(limit, key):
    """Raise Throttled when ``key`` has used up ``limit`` in its window."""
    hits = _window(limit, key).order_by(ThrottleHit.created_at.desc()).limit(limit.count)
    stamps = [hit.created_at for hit in hits]
    if len(stamps) >= limit.count:
        # Free again when the oldest of the counted hits leaves the window.
        wait = stamps[-1] + limit.window - now()
        raise Throttled(max(1, -(-int(wait.total_seconds()) // 60)))


def record(limit, key):
    """Count one attempt. The scope's hits that left the window are deleted on the way,
    so the table holds no more than the hits of one window."""
    ThrottleHit.delete().where(
        ThrottleHit.scope == limit.scope, ThrottleHit.created_at <= now() - limit.window
    ).execute()
    ThrottleHit.create(scope=limit.scope, key=key[:100])


def hit(limit, key):
    """``check`` then ``record``: for attempts that count whatever their outcome."""
    check(limit, key)
    record(limit, key)


def clear(limit, key):
    ThrottleHit.delete().where(ThrottleHit.scope == limit.scope, ThrottleHit.key == key[:100]).execute()
