"""Version 25: 学习档案 statements (what each stated when issued) and share links (hashed
tokens, the records chosen); 统计报表's aggregates (cells per month, dimension and key,
review-time counts, builds); and the index the report's drill-down into decided
applications reads, newest first."""
import datetime as dt

from peewee import AutoField, CharField, DateTimeField, DecimalField, ForeignKeyField, IntegerField, Model, TextField

from migrations.tools import add_missing_index
from models import User, db

VERSION = 25


class _TableV25(Model):
    id = AutoField()

    class Meta:
        database = db


class _RecordStatementV25(_TableV25):
    learner = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    code = CharField(max_length=32, unique=True)
    items = TextField(default="[]")
    totals = TextField(default="{}")
    issued_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        table_name = "record_statement"
        indexes = ((("learner", "issued_at"), False),)


class _ShareLinkV25(_TableV25):
    learner = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    token_hash = CharField(max_length=64, unique=True)
    label = CharField(max_length=60, null=True)
    items = TextField(default="[]")
    created_at = DateTimeField(default=dt.datetime.now)
    expires_at = DateTimeField()
    revoked_at = DateTimeField(null=True)
    visits = IntegerField(default=0)
    last_visit_at = DateTimeField(null=True)

    class Meta:
        table_name = "share_link"
        indexes = ((("learner", "created_at"), False),)


class _ReportCellV25(_TableV25):
    month = CharField(max_length=7)
    dimension = CharField(max_length=20)
    key = CharField(max_length=40)
    stored = IntegerField(default=0)
    recognised = IntegerField(default=0)
    applications = IntegerField(default=0)
    decided = IntegerField(default=0)
    passed = IntegerField(default=0)
    credits = DecimalField(max_digits=14, decimal_places=1, default=0)

    class Meta:
        table_name = "report_cell"
        indexes = ((("dimension", "month", "key"), True),)


class _ReportHoursV25(_TableV25):
    month = CharField(max_length=7)
    dimension = CharField(max_length=20)
    key = CharField(max_length=40)
    hours = IntegerField()
    count = IntegerField()

    class Meta:
        table_name = "report_hours"
        indexes = ((("dimension", "month", "key", "hours"), True),)


class _ReportBuildV25(_TableV25):
    built_at = DateTimeField(default=dt.datetime.now)
    seconds = DecimalField(max_digits=10, decimal_places=2)
    achievements = IntegerField()
    applications = IntegerField()

    class Meta:
        table_name = "report_build"


def upgrade(migrator):
    db.create_tables([_RecordStatementV25, _ShareLinkV25, _ReportCellV25, _ReportHoursV25, _ReportBuildV25], safe=True)
    add_missing_index(migrator, "application", ("decided_at", "id"))
