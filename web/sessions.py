"""Server-side sessions (OWASP ASVS V7): the signed cookie carries a random token, the
``user_session`` table its hash. A session ends when its row is gone (logout), when the
user's credentials changed since it opened (password, role, status, institution: the
row's ``stamp`` no longer matches), after an idle time and after an absolute lifetime.
Flask-Login's user loader asks ``current_user_for`` on every request."""
import datetime as dt
import hashlib
import hmac
import secrets

from flask import current_app, session
from flask_login import login_user, logout_user
from peewee import JOIN

from models import Institution, Message, Role, User, UserSession, now
from models.base import Prepared

TOKEN_KEY = "_sid"
# Learners use the platform from home and keep a page open longer; staff and
# institution accounts hold other people's data and time out sooner.
IDLE = {Role.LEARNER: dt.timedelta(hours=12)}
STAFF_IDLE = dt.timedelta(hours=2)
ABSOLUTE = dt.timedelta(hours=24)
# last_seen_at is written at most this often, so a busy page does not write every request.
TOUCH_EVERY = dt.timedelta(minutes=1)
# The statement of that write, which lands on whichever request comes first after a
# minute: the session's, not the page's (query budgets and the scale benchmark skip it).
TOUCH_SQL = 'UPDATE "user_session" SET "last_seen_at"'
# Kept in the cookie across a login; everything else (CSRF secret included) is new.
KEPT_KEYS = ("lang",)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def stamp(user):
    """A fingerprint of what a session was granted with; a change ends the session."""
    key = current_app.config["SECRET_KEY"].encode()
    material = f"{user.id}|{user.password_hash}|{user.role}|{user.status}|{user.institution_id}"
    return hmac.new(key, material.encode(), hashlib.sha256).hexdigest()


def idle_limit(user):
    return IDLE.get(user.role, STAFF_IDLE)


def start(user):
    """Open a new session for ``user``: a fresh cookie (new CSRF secret) and a row."""
    kept = {key: session[key] for key in KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)
    token = secrets.token_urlsafe(32)
    _forget_expired(user)
    UserSession.create(user=user, token_hash=_hash(token), stamp=stamp(user))
    session[TOKEN_KEY] = token


def login(user):
    """Log ``user`` in on a new session."""
    start(user)
    login_user(user)


def logout():
    end_current()
    logout_user()


# Read on every request: its SQL text is made once, and PostgreSQL keeps it planned (a
# lookup by a unique key: one plan serves every token). It brings what every page shows
# of the person too, so that no page asks again: the unread count of the header's badge,
# as it stood when the request began, and the learner's teaching point's name (我的信息).
_TEACHING_POINT = Institution.alias("teaching_point")
_SESSION_ROW = Prepared(lambda token_hash: (
    UserSession.select(UserSession, User, Institution, _TEACHING_POINT.id, _TEACHING_POINT.name,
                       Message.unread_counted(User.id).alias("unread_messages"))
    .join(User, on=(UserSession.user == User.id))
    .join(Institution, JOIN.LEFT_OUTER, on=(User.institution == Institution.id))
    .switch(User)
    .join(_TEACHING_POINT, JOIN.LEFT_OUTER, on=(User.teaching_point == _TEACHING_POINT.id))
    .where(UserSession.token_hash == token_hash)
    .limit(1)
), "token_hash", server=True)


def _current_row():
    """This request's session row with its user and the user's institution, in one query
    (every page asks for all three: the session, who it is, which institution's space)."""
    token = session.get(TOKEN_KEY)
    if not token or not isinstance(token, str):
        return None
    return _SESSION_ROW.first(token_hash=_hash(token))


def current_user_for(user_id):
    """The user of this request's session, or None when the session has ended."""
    row = _current_row()
    if row is None or str(row.user_id) != str(user_id):
        return None
    user = row.user
    moment = now()
    if (
        user is None
        or not user.is_active
        or not hmac.compare_digest(row.stamp, stamp(user))
        or row.last_seen_at < moment - idle_limit(user)
        or row.created_at < moment - ABSOLUTE
    ):
        UserSession.delete().where(UserSession.id == row.id).execute()
        return None
    if row.last_seen_at < moment - TOUCH_EVERY:
        UserSession.update(last_seen_at=moment).where(UserSession.id == row.id).execute()
    user.unread_on_arrival = Message.capped(row.unread_messages)
    return user


def end_current():
    row = _current_row()
    if row is not None:
        UserSession.delete().where(UserSession.id == row.id).execute()
    kept = {key: session[key] for key in KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)


def end_others(user):
    """After a password change by the user: every other session ends, this one goes on
    with the new credentials."""
    row = _current_row()
    query = UserSession.delete().where(UserSession.user == user.id)
    if row is not None:
        query = query.where(UserSession.id != row.id)
        UserSession.update(stamp=stamp(user)).where(UserSession.id == row.id).execute()
    query.execute()


def _forget_expired(user):
    """Keep the table to live sessions: a user's ended ones go when they log in again."""
    UserSession.delete().where(
        UserSession.user == user.id,
        (UserSession.created_at < now() - ABSOLUTE) | (UserSession.last_seen_at < now() - idle_limit(user)),
    ).execute()
