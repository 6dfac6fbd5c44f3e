"""The database proxy, the base model, stored codes with labels (``Choice``/``Choices``) and JSON text."""
import datetime as dt
import json

from peewee import (
    Cast,
    DatabaseProxy,
    Model,
    TextField,
    fn,
)

db = DatabaseProxy()


def now():
    return dt.datetime.now().replace(microsecond=0)


class Choice(str):
    """A stored code that also carries its translatable label: ``Role.LEARNER == "learner"``."""

    def __new__(cls, value, label):
        member = super().__new__(cls, value)
        member.label = label
        return member


class Choices:
    """An enum of stored codes with labels: ``CODE = Choice("code", _l("Label"))``."""

    @classmethod
    def members(cls):
        return [v for k, v in vars(cls).items() if k.isupper() and isinstance(v, Choice)]

    @classmethod
    def codes(cls):
        return [str(m) for m in cls.members()]

    @classmethod
    def choices(cls):
        return [(str(m), m.label) for m in cls.members()]

    @classmethod
    def label(cls, value):
        return dict(cls.choices()).get(value, value or "")


class JSONField(TextField):
    """JSON stored as text: portable across SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value):
        return None if value is None else json.loads(value)

    def key_text(self, key):
        """SQL for the text under ``key`` of the stored object, on either database."""
        if "postgres" in type(db.obj).__name__.lower():
            return fn.json_extract_path_text(Cast(self, "json"), key)
        return fn.json_extract(self, f"$.{key}")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False
