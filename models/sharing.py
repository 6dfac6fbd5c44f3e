"""学习档案 (record statements) and share links: what a learner hands over of their record.

Neither copies a record's state: a statement keeps what it said when issued (its
``items``, so /verify can show it as issued) and the page reads each item's state now; a
share link keeps which records were selected, and its page reads them live."""
from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField

from models.accounts import User
from models.base import BaseModel, JSONField, now


class RecordStatement(BaseModel):
    """One issued 学习档案: its verification code and the items and totals it stated."""

    id = AutoField()
    learner = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    code = CharField(max_length=32, unique=True)  # 验证码, random (80 bits)
    # [{"type": "achievement"|"conversion", "id", "name", "issuer", "date", "credits",
    #   "level", "category", "state"}] as issued, and the credit totals stated.
    items = JSONField(default=list)
    totals = JSONField(default=dict)
    issued_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("learner", "issued_at"), False),)


class ShareLink(BaseModel):
    """A link a learner gives to a reader: the selected records, until ``expires_at``,
    unless revoked. Only the SHA-256 of its token is kept (the token is shown once)."""

    id = AutoField()
    learner = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    token_hash = CharField(max_length=64, unique=True)
    label = CharField(max_length=60, null=True)  # the learner's own note (给谁)
    # The selected records, frozen at creation: [["achievement", id], ["conversion", id]].
    items = JSONField(default=list)
    created_at = DateTimeField(default=now)
    expires_at = DateTimeField()
    revoked_at = DateTimeField(null=True)
    visits = IntegerField(default=0)
    last_visit_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("learner", "created_at"), False),)
