"""Links that let a person set their password (a new staff, institution or sub-user account,
or a reset): the account's login name and a link go by SMS through the notice template;
no password and no code is ever chosen for anybody (SPEC §5).

A link is a signed token (itsdangerous, SECRET_KEY) naming the account and a fingerprint
of its current password hash: it opens for ``LINK_HOURS``, once — setting the password
changes the hash, and so does a newer link (each replaces the password by an unusable
one), which makes every earlier link stale. Nothing is stored. The text in the SMS outbox
keeps the token masked; in development (the console backend with ``SMS_SHOW_CODES``) the
page that sent it shows the link, so a first login works without an SMS gateway."""
from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from models import SmsPurpose, User
from services.accounts import users
from services.core import audit
from services.messaging import mail, notify, sms

LINK_HOURS = 72
SALT = "set-password"


class LinkError(ValueError):
    def __str__(self) -> str:
        return str(self.args[0])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "-").encode()).hexdigest()[:16]


def token_for(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for(token: str) -> User:
    """The account ``token`` opens; LinkError when it is expired, used or forged."""
    try:
        data = _serializer().loads(token, max_age=LINK_HOURS * 3600)
    except SignatureExpired:
        raise LinkError(_l("This link has expired; ask for a new one.")) from None
    except BadSignature:
        raise LinkError(_l("This link is not valid.")) from None
    user = User.get_or_none(User.id == data.get("u"))
    if user is None or _fingerprint(user) != data.get("f"):
        raise LinkError(_l("This link was already used, or a newer one was sent; ask for a new one.")) from None
    return user


def link_for(token: str) -> str:
    base = current_app.config.get("PUBLIC_URL") or mail.DEVELOPMENT_URL
    return base.rstrip("/") + notify.link_to("password_link.set_password", token=token)


def send(user: User, by: User | None = None, institution: str | None = None) -> str:
    """Replace the account's password by an unusable one, force a choice, and send the link
    with the login name. Returns the link (the page shows it in development only)."""
    users.require_new_password(user)
    user = User.get_by_id(user.id)
    token = token_for(user)
    link = link_for(token)
    with force_locale(notify.recipient_locale(user)):
        if institution:
            text = _l("[Credit Bank] %(institution)s: your account %(username)s is ready. Open %(link)s within "
                      "%(hours)s hours to set your password.", institution=institution, username=user.username,
                      link=link, hours=LINK_HOURS)
        else:
            text = _l("[Credit Bank] Your account %(username)s is ready. Open %(link)s within %(hours)s hours to "
                      "set your password.", username=user.username, link=link, hours=LINK_HOURS)
        text = str(text)
    sms.send(user.phone, text, SmsPurpose.NOTICE, secrets=(token,))
    audit.record("password_link_sent", user, user=by, username=user.username)
    return link


def development_link(link: str) -> str | None:
    """The link itself where the page may show it (development), else None."""
    return link if sms.is_development() else None


def set_password(user: User, password: str) -> None:
    """The password chosen through a link (the link is spent with it)."""
    users.set_password(user, password)
    audit.record("password_set", user, user=user)
