"""Version 23: jobs run under a lease — the attempt that fences each run, the interruptions
since the last retry, the consumer holding it, its heartbeat, when it was last handed to the
queue — and consumers say they are alive; outbox rows keep what the gateway is sent (sealed)
so the sweeper can deliver any of them whatever happened to the queue, their retry time,
and our id of an SMS at the provider (its delivery report is asked by it)."""
import datetime as dt

from peewee import AutoField, CharField, DateTimeField, IntegerField, Model, TextField

from migrations.tools import add_missing_columns, add_missing_index
from models import db

VERSION = 23


class _ConsumerHeartbeatV23(Model):
    id = AutoField()
    name = CharField(max_length=100, unique=True)
    started_at = DateTimeField(default=dt.datetime.now)
    seen_at = DateTimeField(default=dt.datetime.now, index=True)

    class Meta:
        database, table_name = db, "consumer_heartbeat"


def upgrade(migrator):
    add_missing_columns(migrator, "job", {
        "attempt": IntegerField(default=0), "interrupted": IntegerField(default=0),
        "worker": CharField(max_length=100, null=True), "heartbeat_at": DateTimeField(null=True),
        "queued_at": DateTimeField(null=True),
    })
    add_missing_index(migrator, "job", ("status",))
    add_missing_columns(migrator, "sms_outbox", {
        "payload": TextField(null=True), "next_attempt_at": DateTimeField(null=True),
        "reference": CharField(max_length=40, null=True),
    })
    add_missing_columns(migrator, "email_outbox", {
        "payload": TextField(null=True), "next_attempt_at": DateTimeField(null=True),
    })
    db.create_tables([_ConsumerHeartbeatV23], safe=True)
