"""Institution API tokens (接口令牌): created by the institution account, shown
once, kept as the SHA-256 of a 256-bit random token, scoped to read or write, revocable.
A bearer token is the only credential of /api/v1/: session cookies are never looked at."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from peewee import ModelSelect

from models import ApiToken, ApiTokenScope, Institution, User, db, now
from models.base import Prepared
from services.core import audit

PREFIX = "cbk_"
HINT_LENGTH = 12  # "cbk_" + 8 characters: enough to tell a token in the list
# last_used_at is written at most this often, so a busy client does not write on every call.
TOUCH_EVERY = dt.timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(institution_id: int, name: str, scope: str, user: User) -> tuple[ApiToken, str]:
    """A new token for the institution; returns (row, the token in clear: shown once)."""
    if scope not in ApiTokenScope.codes():
        raise ValueError(f"unknown scope {scope!r}")
    token = PREFIX + secrets.token_urlsafe(32)
    with db.atomic():
        row = ApiToken.create(institution=institution_id, name=name, scope=scope, token_hash=_hash(token),
                              hint=token[:HINT_LENGTH], created_by=user)
        audit.record("api_token_created", row, user=user, name=name, scope=scope)
    return row, token


def revoke(token_id: int, institution_id: int, user: User) -> bool:
    """Revoke one of the institution's tokens; False when it is not theirs or already revoked."""
    with db.atomic():
        changed = (
            ApiToken.update(revoked_at=now(), revoked_by=user)
            .where(ApiToken.id == token_id, ApiToken.institution == institution_id, ApiToken.revoked_at.is_null())
            .execute()
        )
        if changed:
            audit.record("api_token_revoked", ApiToken.get_by_id(token_id), user=user)
    return bool(changed)


# With its institution (whose status every call checks), in the same statement, written
# once and kept planned (a lookup by a unique key: one plan serves every token).
_BY_HASH = Prepared(lambda token_hash: (
    ApiToken.select(ApiToken, Institution).join(Institution, on=(ApiToken.institution == Institution.id))
    .where(ApiToken.token_hash == token_hash).limit(1)), "token_hash", server=True)


def authenticate(header: str | None) -> ApiToken | None:
    """The live token an ``Authorization: Bearer …`` header carries, or None."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 100:
        return None
    digest = _hash(token)
    row = _BY_HASH.first(token_hash=digest)
    # The lookup is by an index on the hash; the comparison of what it found is constant-time.
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
        return None
    return row


def touch(row: ApiToken) -> None:
    """Remember when the token was last used (at most once a minute)."""
    moment = now()
    if row.last_used_at is None or moment - row.last_used_at >= TOUCH_EVERY:
        ApiToken.update(last_used_at=moment).where(ApiToken.id == row.id).execute()
        row.last_used_at = moment


def for_institution(institution_id: int) -> ModelSelect[ApiToken]:
    """The 接口令牌 list: every token of the institution, newest first."""
    return ApiToken.select().where(ApiToken.institution == institution_id).order_by(ApiToken.created_at.desc(),
                                                                                    ApiToken.id.desc())
