"""Version 15: e-mails leave the outbox through the job consumer (rows written before were
owed and never sent: they stay pending and go out), and the record of which learner was
told about which published rule."""
import datetime as dt

from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model

from migrations.tools import add_missing_columns, add_missing_index
from models import ConversionRule, User, db

VERSION = 15


class _RuleAlertV15(Model):
    id = AutoField()
    rule = ForeignKeyField(ConversionRule, backref="+", on_delete="CASCADE")
    learner = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    notified = BooleanField(default=False)
    created_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        database, table_name, indexes = db, "rule_alert", ((("rule", "learner"), True),)


def upgrade(migrator):
    delivery = dict(status=CharField(max_length=10, default="pending"), attempts=IntegerField(default=0),
                    sent_at=DateTimeField(null=True), error=CharField(max_length=500, null=True))
    add_missing_columns(migrator, "email_outbox", delivery)
    add_missing_index(migrator, "email_outbox", ("status",))
    db.create_tables([_RuleAlertV15], safe=True)
