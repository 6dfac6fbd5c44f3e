"""统计报表's aggregates: counts per month, dimension and key, rebuilt from the records by a
periodic job (services/reports/build.py says why), so a report reads a few hundred rows
whatever the number of achievements."""
from peewee import AutoField, CharField, DateTimeField, DecimalField, IntegerField

from models.base import BaseModel, now


class ReportCell(BaseModel):
    """The measures of one month (``YYYY-MM``) for one key of one dimension."""

    id = AutoField()
    month = CharField(max_length=7)
    dimension = CharField(max_length=20)
    key = CharField(max_length=40)  # an id or a code; "" for none
    stored = IntegerField(default=0)  # learner achievements stored that month
    recognised = IntegerField(default=0)  # of them, standing now (名录成果 / 已认定)
    applications = IntegerField(default=0)  # applications submitted that month
    decided = IntegerField(default=0)  # decided that month and standing (passed or refused)
    passed = IntegerField(default=0)
    credits = DecimalField(max_digits=14, decimal_places=1, default=0)  # credits converted that month

    class Meta:
        indexes = ((("dimension", "month", "key"), True),)


class ReportHours(BaseModel):
    """Review times of the applications decided in a month: how many took ``hours`` whole
    hours, per key of a dimension (a median is read from these counts)."""

    id = AutoField()
    month = CharField(max_length=7)
    dimension = CharField(max_length=20)
    key = CharField(max_length=40)
    hours = IntegerField()
    count = IntegerField()

    class Meta:
        indexes = ((("dimension", "month", "key", "hours"), True),)


class ReportBuild(BaseModel):
    """When the aggregates were last rebuilt, and how long it took."""

    id = AutoField()
    built_at = DateTimeField(default=now)
    seconds = DecimalField(max_digits=10, decimal_places=2)
    achievements = IntegerField()
    applications = IntegerField()
