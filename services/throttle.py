"""Limits on repeated attempts, counted in the database so that every worker process
sees the same numbers: failed logins per account and per client address,
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


# Failed logins never lock an account (that would hand anyone a lock-out button): past
# these counts the login also asks for an SMS code sent to the account's bound phone.
LOGIN_PER_ACCOUNT = Limit("login", 5, dt.timedelta(hours=1))
LOGIN_PER_ADDRESS = Limit("login_addr", 50, dt.timedelta(minutes=15))
# Accounts without a bound phone cannot get a code: their failures are limited per
# account *and* address, so an attacker's address only slows itself down.
LOGIN_PER_PAIR = Limit("login_pair", 10, dt.timedelta(minutes=15))
SMS_PER_ADDRESS = Limit("sms_addr", 20, dt.timedelta(hours=1))
# /register, /activate and /forgot-password: answers there tell whether an ID number or
# phone is registered, so each address gets a limited number of submissions.
PUBLIC_FORM_PER_ADDRESS = Limit("form_addr", 30, dt.timedelta(hours=1))


class Throttled(Exception):
    def __init__(self, minutes):
        super().__init__(str(_l("Too many attempts; please try again in %(minutes)s minutes.", minutes=minutes)))
        self.minutes = minutes


def attempt(limit, key):
    """Count one attempt by ``key`` and return its hit; raise Throttled, without counting
    it, when ``key`` had already used up ``limit`` in its window. The hit is written before
    the count is read, so concurrent attempts cannot all slip under the limit."""
    key = key[:100]
    _forget_expired(limit)
    hit = ThrottleHit.create(scope=limit.scope, key=key)
    stamps = [
        row.created_at
        for row in ThrottleHit.select(ThrottleHit.created_at)
        .where(ThrottleHit.scope == limit.scope, ThrottleHit.key == key, ThrottleHit.created_at > now() - limit.window)
        .order_by(ThrottleHit.created_at.desc(), ThrottleHit.id.desc())
        .limit(limit.count + 1)
    ]
    if len(stamps) > limit.count:
        # Refused attempts are not counted, so hammering does not prolong the wait: it
        # ends when the oldest of the counted hits leaves the window.
        hit.delete_instance()
        wait = stamps[limit.count] + limit.window - now()
        raise Throttled(max(1, -(-int(wait.total_seconds()) // 60)))
    return hit


def record(limit, key):
    """Count one attempt without refusing it; returns the hit."""
    _forget_expired(limit)
    return ThrottleHit.create(scope=limit.scope, key=key[:100])


def count(limit, key):
    """Attempts by ``key`` in the window of ``limit``."""
    return (
        ThrottleHit.select()
        .where(ThrottleHit.scope == limit.scope, ThrottleHit.key == key[:100], ThrottleHit.created_at > now() - limit.window)
        .count()
    )


def forget(hit):
    """Take back one attempt that turned out well (a successful login)."""
    ThrottleHit.delete().where(ThrottleHit.id == hit.id).execute()


def clear(limit, key):
    ThrottleHit.delete().where(ThrottleHit.scope == limit.scope, ThrottleHit.key == key[:100]).execute()


def _forget_expired(limit):
    """Keep the table to the hits of one window."""
    ThrottleHit.delete().where(
        ThrottleHit.scope == limit.scope, ThrottleHit.created_at <= now() - limit.window
    ).execute()
