"""Version 10: SMS leave the outbox through the job consumer (rows written before were
handed to the console backend at once, so they count as sent); each user keeps the
language notifications to them are written in; the job table (large imports and exports
as background jobs)."""
import datetime as dt

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField

from migrations.tools import add_missing_columns, add_missing_index
from models import Attachment, ImportBatch, User, db

VERSION = 10


class _JobV10(Model):
    id = AutoField()
    kind = CharField(max_length=20)
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    view = CharField(max_length=50)
    params = TextField(default="{}")
    status = CharField(max_length=10, default="queued")
    stage = CharField(max_length=20, default="queued")
    done = IntegerField(default=0)
    total = IntegerField(null=True)
    result_batch = ForeignKeyField(ImportBatch, null=True, backref="+", on_delete="SET NULL")
    result_file = ForeignKeyField(Attachment, null=True, backref="+", on_delete="SET NULL")
    error = CharField(max_length=500, null=True)
    created_at = DateTimeField(default=dt.datetime.now, index=True)
    finished_at = DateTimeField(null=True)

    class Meta:
        database = db
        table_name = "job"


def upgrade(migrator):
    add_missing_columns(migrator, "sms_outbox", {
        "status": CharField(max_length=10, default="sent"),
        "attempts": IntegerField(default=1),
        "sent_at": DateTimeField(null=True),
        "error": CharField(max_length=500, null=True),
    })
    add_missing_index(migrator, "sms_outbox", ("status",))
    add_missing_columns(migrator, "user", {"locale": CharField(max_length=10, null=True)})
    db.create_tables([_JobV10], safe=True)
