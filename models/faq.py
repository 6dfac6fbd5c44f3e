"""在线解答 (seed 000): questions and answers the management center keeps, by category,
for learners (and anyone on the portal) to search."""
from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from models.base import BaseModel, now


class FaqCategory(BaseModel):
    id = AutoField()
    name = CharField(max_length=50, unique=True)
    sort_order = IntegerField(default=0)
    created_at = DateTimeField(default=now)

    def __str__(self):
        return self.name


class FaqEntry(BaseModel):
    id = AutoField()
    category = ForeignKeyField(FaqCategory, backref="entries", on_delete="RESTRICT")
    question = CharField(max_length=200)
    answer = TextField()  # Markdown, rendered and sanitised like portal articles
    published = BooleanField(default=True)
    sort_order = IntegerField(default=0)
    updated_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("category", "sort_order"), False),)

    def __str__(self):
        return self.question
