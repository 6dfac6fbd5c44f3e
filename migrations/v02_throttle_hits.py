"""Version 2: the attempt records that limit logins and SMS codes (``throttle_hit``)."""
import datetime as dt

from peewee import AutoField, CharField, DateTimeField, Model

from models import db

VERSION = 2


# A frozen copy of the model as it was at this version: later changes to the models
# must not change what an old step does.
class _ThrottleHitV2(Model):
    id = AutoField()
    scope = CharField(max_length=20)
    key = CharField(max_length=100)
    created_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        database = db
        table_name = "throttle_hit"
        indexes = ((("scope", "key", "created_at"), False),)


def upgrade(_migrator):
    db.create_tables([_ThrottleHitV2])
