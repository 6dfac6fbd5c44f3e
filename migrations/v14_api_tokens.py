"""Version 14: institution API tokens."""
import datetime as dt

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, Model

from models import Institution, User, db

VERSION = 14


class _ApiTokenV14(Model):
    id = AutoField()
    institution = ForeignKeyField(Institution, backref="+", on_delete="RESTRICT")
    name = CharField(max_length=100)
    scope = CharField(max_length=10)
    token_hash = CharField(max_length=64, unique=True)
    hint = CharField(max_length=12)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=dt.datetime.now)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    revoked_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        database = db
        table_name = "api_token"
        indexes = ((("institution", "created_at"), False),)


def upgrade(_migrator):
    db.create_tables([_ApiTokenV14])
