"""Version 24: 在线解答, the questions and answers the center keeps, by category (frozen
copies of the two tables as they were at this version)."""
import datetime as dt

from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField

from models import db

VERSION = 24


class _FaqCategoryV24(Model):
    id = AutoField()
    name = CharField(max_length=50, unique=True)
    sort_order = IntegerField(default=0)
    created_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        database = db
        table_name = "faq_category"


class _FaqEntryV24(Model):
    id = AutoField()
    category = ForeignKeyField(_FaqCategoryV24, backref="+", on_delete="RESTRICT")
    question = CharField(max_length=200)
    answer = TextField()
    published = BooleanField(default=True)
    sort_order = IntegerField(default=0)
    updated_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        database = db
        table_name = "faq_entry"
        indexes = ((("category", "sort_order"), False),)


def upgrade(_migrator):
    db.create_tables([_FaqCategoryV24, _FaqEntryV24], safe=True)
