"""Share links (分享链接): a learner gives a reader some of their records, or all, for 7, 30
or 90 days, with no login on the reader's side.

The token is 32 random bytes (256 bits, URL-safe) and is shown once: only its SHA-256 is
kept, so a database reader cannot open a link, and a lost link is revoked and made anew.
A link names the records selected when it was made — "all" means all of that moment —
and its page reads only those, as they are now (a record revoked since says so). Each
open of a live link counts one visit, in one conditional UPDATE.
"""
import datetime as dt
import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from peewee import fn

from models import ShareLink, now
from services.core import audit
from services.core.database import transaction
from services.learning_record import items as record
from services.records.errors import Refusal, Refused

DAYS = (7, 30, 90)
ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"
STATE_LABELS = {ACTIVE: _l("Active"), EXPIRED: _l("Expired"), REVOKED: _l("Revoked")}
MAX_ITEMS = 10_000  # a heavy learner's whole record; the page reads a page of it at a time


def token_hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def state(link, moment=None):
    if link.revoked_at is not None:
        return REVOKED
    return EXPIRED if link.expires_at <= (moment or now()) else ACTIVE


def _days(value):
    if value not in DAYS:
        raise Refused(Refusal(_l("Choose 7, 30 or 90 days."), field="days"))
    return dt.timedelta(days=value)


def create(learner, keys, days, label=None, everything=False):
    """A new link of ``keys`` ([(type, id)]) — or of every standing record when
    ``everything`` — for ``days`` days. Returns (link, token); the token is never kept."""
    span = _days(days)
    standing = {(i["type"], i["id"]) for i in record.record_items(learner.id)}
    chosen = sorted(standing) if everything else sorted({(t, int(i)) for t, i in keys})
    if not chosen:
        raise Refused(Refusal(_l("Select at least one record, or share all."), field="items"))
    if len(chosen) > MAX_ITEMS:
        raise Refused(Refusal(_l("At most %(count)s records can be shared by one link.", count=MAX_ITEMS),
                              field="items"))
    if not set(chosen) <= standing:
        # Someone else's id, or a record that no longer stands: nothing is shared.
        raise Refused(Refusal(_l("Only your recognised achievements and passed conversions can be shared."),
                              field="items"))
    token = secrets.token_urlsafe(32)
    with transaction():
        link = ShareLink.create(learner=learner.id, token_hash=token_hash(token), items=[list(k) for k in chosen],
                                label=(label or "").strip()[:60] or None, expires_at=now() + span)
        audit.record("share_link_created", link, user=learner, items=len(chosen), days=days)
    return link, token


def own_links(learner):
    return ShareLink.select().where(ShareLink.learner == learner.id).order_by(ShareLink.created_at.desc(),
                                                                              ShareLink.id.desc())


def own_link(learner, link_id):
    return ShareLink.get_or_none(ShareLink.id == link_id, ShareLink.learner == learner.id)


def extend(learner, link, days):
    """The link runs ``days`` from now; a revoked link stays revoked."""
    span = _days(days)
    with transaction():
        moved = (ShareLink.update(expires_at=now() + span)
                 .where(ShareLink.id == link.id, ShareLink.learner == learner.id, ShareLink.revoked_at.is_null())
                 .execute())
        if not moved:
            raise Refused(_l("This link has been revoked; make a new one."))
        audit.record("share_link_extended", link, user=learner, days=days)


def revoke(learner, link):
    with transaction():
        moved = (ShareLink.update(revoked_at=now())
                 .where(ShareLink.id == link.id, ShareLink.learner == learner.id, ShareLink.revoked_at.is_null())
                 .execute())
        if moved:
            audit.record("share_link_revoked", link, user=learner)
    return bool(moved)


def resolve(token):
    """The link of ``token`` (any state), or None."""
    if not token or len(token) > 100:
        return None
    return ShareLink.get_or_none(ShareLink.token_hash == token_hash(token))


def count_visit(link):
    """One more visit of a live link (a conditional increment: no lost update)."""
    moment = now()
    return bool(ShareLink.update(visits=ShareLink.visits + 1, last_visit_at=moment)
                .where(ShareLink.id == link.id, ShareLink.revoked_at.is_null(), ShareLink.expires_at > moment)
                .execute())


def shared_items(link, number=1, size=None):
    """The selected records as they are now (each with ``fallen`` when it no longer
    stands), in the order selected, page ``number`` of ``size`` (all when None); a record
    gone altogether is left out. Only the page's records are read."""
    keys = [(t, i) for t, i in link.items]
    if size is not None:
        keys = keys[(number - 1) * size: number * size]
    current = record.items_by_key(link.learner_id, keys)
    shown = []
    for key in keys:
        item = current.get(tuple(key))
        if item is not None:
            shown.append({**item, "fallen": not record.is_standing(item)})
    return shown


def visit_total(learner):
    return ShareLink.select(fn.COALESCE(fn.SUM(ShareLink.visits), 0)).where(ShareLink.learner == learner.id).scalar()
