"""The failed-login policy: one that an attacker cannot turn against other people.

- Per (client address, account): after ``PAIR.count`` failures in its window, logging in to
  that account from that address also needs a one-time code. Someone guessing from one
  address is stopped there; the owner elsewhere is not affected.
- Per account, from any address: after ``ACCOUNT.count`` failures in an hour (guessing
  spread over many addresses) every login to it needs a code.
- Per address, across accounts: an address that failed on ``SPREAD.count`` different
  accounts in its window is slowed — its logins get 429 with Retry-After until the window
  moves on. It never makes anybody else need a code: a school behind one address is not
  bothered by one guesser among its users beyond that wait.
- The code goes to the account's bound phone (SMS) or, without a phone, to its e-mail
  address; it is sent only while that login needs one, so nobody can have codes sent to a
  stranger. An account without either cannot receive a code: its logins are limited per
  (address, account) only, so an attacker's address locks out nobody but itself.
- Accounts never lock, and the right password with a valid code always opens one. Unknown
  names are treated like accounts with a phone, so the answers do not tell which exist.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from flask_babel import lazy_gettext as _l

from models import SmsPurpose, ThrottleHit, User
from services.accounts import throttle
from services.messaging import mail, sms

PAIR = throttle.Limit("login_pair", 5, dt.timedelta(minutes=15))
ACCOUNT = throttle.Limit("login", 20, dt.timedelta(hours=1))
# One hit per (address, account) pair's first failure in the window: the number of
# different accounts an address failed on.
SPREAD = throttle.Limit("login_spread", 20, dt.timedelta(minutes=15))
EMAIL_COOLDOWN = throttle.Limit("mail_code_wait", 1, dt.timedelta(seconds=60))
EMAIL_DAILY = throttle.Limit("mail_code_day", 10, dt.timedelta(days=1))


def account_key(user: User | None, identifier: str | None) -> str:
    """Failures count per account, whichever of its identifiers is typed; unknown names by text."""
    return f"user:{user.id}" if user else "name:" + (identifier or "").strip().lower()


@dataclass
class Attempt:
    account: str
    address: str
    hits: list[ThrottleHit]

    @property
    def pair(self) -> str:
        return f"{self.account}|{self.address}"


def slowed(address: str) -> int:
    """Seconds the address must wait before its next login attempt (0: none)."""
    return throttle.wait(SPREAD, address)


def begin(user: User | None, identifier: str | None, address: str) -> Attempt:
    """Count one attempt before its password is checked (so concurrent guesses cannot all
    slip under a limit); ``succeeded`` takes it back."""
    attempt = Attempt(account_key(user, identifier), address, [])
    first_of_pair = throttle.count(PAIR, attempt.pair) == 0
    attempt.hits.append(throttle.record(PAIR, attempt.pair))
    attempt.hits.append(throttle.record(ACCOUNT, attempt.account))
    if first_of_pair:
        attempt.hits.append(throttle.record(SPREAD, address))
    return attempt


def needs_code(user: User | None, attempt: Attempt) -> bool:
    if throttle.count(PAIR, attempt.pair) > PAIR.count:
        return True
    # Without a channel, failures elsewhere must not lock this account out.
    return channel(user) is not None and throttle.count(ACCOUNT, attempt.account) > ACCOUNT.count


def channel(user: User | None) -> tuple[str, str | None] | None:
    """("sms", phone) or ("email", address) a code reaches; None for unknown names we
    pretend can get one, and None for accounts with neither."""
    if user is None:
        return ("sms", None)
    if user.phone:
        return ("sms", user.phone)
    if user.email:
        return ("email", user.email)
    return None


def _code_key(user: User) -> str | None:
    kind, where = channel(user) or (None, None)
    if kind == "email":
        return f"email:{user.id}"  # never equal to a phone number
    return where


def check_code(user: User | None, code: str | None, consume: bool = False) -> None:
    """CodeError unless ``code`` is the login code last sent to ``user``."""
    sms.verify_code(_code_key(user) if user else None, SmsPurpose.LOGIN, code, consume=consume)


def succeeded(attempt: Attempt) -> None:
    """A successful login takes its own attempt back (people behind one school address log
    in all day) and forgets the account's failures from that address."""
    for hit in attempt.hits:
        throttle.forget(hit)
    throttle.clear(PAIR, attempt.pair)


def send_code(user: User | None, address: str, identifier: str | None) -> str | None:
    """Send a login code when this (address, account) login needs one; returns the code
    (shown only in development) or None. Says nothing either way to the caller."""
    if user is None:
        return None
    attempt = Attempt(account_key(user, identifier), address, [])
    if not needs_code(user, attempt):
        return None
    kind, where = channel(user) or (None, None)
    try:
        if kind == "sms":
            return sms.issue_code(where, SmsPurpose.LOGIN)
        if kind == "email":
            return _email_code(user)
    except (sms.CodeError, throttle.Throttled):
        return None
    return None


def _email_code(user: User) -> str:
    key = cast(str, _code_key(user))  # the e-mail channel's key: never None
    throttle.attempt(EMAIL_COOLDOWN, key)
    throttle.attempt(EMAIL_DAILY, key)
    value = sms.new_code(key, SmsPurpose.LOGIN)
    mail.send(user.email, _l("[Credit Bank] Login verification code"),
              _l("Your login verification code is %(code)s, valid for 10 minutes. If you did not try to log in, "
                 "someone may know your password: please change it.", code=value), secrets=(value,))
    return value
