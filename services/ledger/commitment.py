"""信息发布安全承诺书 (seed 004 §2.3): shown the first time a person uploads a conversion
method or drafts a rule, and accepted only after it has been on screen for 4 seconds.

The page that shows it carries a token signed with the app's key and holding the user
and the moment it was shown; accepting it sends the token back, and the server refuses
a token younger than ``READ_SECONDS`` (or older than ``VALID_SECONDS``, or another
user's). The browser's countdown is a courtesy; this check is the rule.
"""
from __future__ import annotations

import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from models import User, now
from services.core import audit
from services.core.database import transaction

READ_SECONDS = 4
VALID_SECONDS = 6 * 3600
SALT = "publication-commitment"


class CommitmentError(Exception):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def needed(user: User) -> bool:
    """Whether ``user`` must still read the commitment."""
    return user.commitment_read_at is None


def issue(user: User, shown_at: float | None = None) -> str:
    """The token of a page showing the commitment to ``user`` now (or at ``shown_at``)."""
    return _serializer().dumps({"u": user.id, "t": time.time() if shown_at is None else shown_at})


def accept(user: User, token: str | None, read: bool) -> None:
    """Record that ``user`` read the commitment, if the page showed it long enough.
    Does nothing when it was read before; raises ``CommitmentError`` otherwise."""
    if not needed(user):
        return
    if not read:
        raise CommitmentError(_l("Please read the information publication security commitment and agree to it"))
    try:
        data = _serializer().loads(token or "")
        shown_for = time.time() - float(data["t"])
        same_user = data["u"] == user.id
    except (BadSignature, KeyError, TypeError, ValueError):
        raise CommitmentError(_l("Please read the information publication security commitment and agree to it")) from None
    if not same_user or shown_for > VALID_SECONDS:
        raise CommitmentError(_l("Please read the information publication security commitment and agree to it"))
    if shown_for < READ_SECONDS:
        raise CommitmentError(
            _l("Please read the information publication security commitment for at least %(n)s seconds",
               n=READ_SECONDS))
    with transaction():
        User.update(commitment_read_at=now()).where(User.id == user.id, User.commitment_read_at.is_null()).execute()
        audit.record("publication_commitment_read", user, user=user)
    user.commitment_read_at = now()
