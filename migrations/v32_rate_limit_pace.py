"""Version 32: an API token's rate limit kept as a pace, one row a token (``throttle_pace``).

The limit had been counted like failed logins, a row a call: every API call then deleted
the scope's expired rows (every token's), wrote one and read its own window's, so a call
cost more the more calls the last minute held (thousands for a client paging fast, the
whole province's tokens for the delete). A pace is one UPDATE of one row."""
from peewee import AutoField, CharField, DoubleField, Model

from models import db

VERSION = 32


# A frozen copy of the model as it was at this version.
class _ThrottlePaceV32(Model):
    id = AutoField()
    scope = CharField(max_length=20)
    key = CharField(max_length=100)
    due = DoubleField()

    class Meta:
        database = db
        table_name = "throttle_pace"
        indexes = ((("scope", "key"), True),)


def upgrade(_migrator):
    db.create_tables([_ThrottlePaceV32])
