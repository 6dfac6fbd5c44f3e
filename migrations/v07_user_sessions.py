"""Version 7: server-side sessions, and the codes that the SMS outbox kept in clear until
then masked (verification codes and one-time login codes)."""
import datetime as dt
import re

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, Model

from models import User, db

VERSION = 7


class _UserSessionV7(Model):
    id = AutoField()
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    stamp = CharField(max_length=64)
    created_at = DateTimeField(default=dt.datetime.now)
    last_seen_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        database = db
        table_name = "user_session"


_CODE_PURPOSES = ("register", "activate", "reset_password", "change_password", "change_phone", "export", "login")
_ONE_TIME = re.compile(r"((?:一次性登录码|one-time login code)[：:\s]*)[A-Za-z0-9]{10}", re.IGNORECASE)


def upgrade(_migrator):
    db.create_tables([_UserSessionV7])
    for row_id, purpose, body in db.execute_sql("SELECT id, purpose, body FROM sms_outbox").fetchall():
        masked = re.sub(r"\d{6}", "******", body) if purpose in _CODE_PURPOSES else _ONE_TIME.sub(r"\g<1>******", body)
        if masked != body:
            param = db.param
            db.execute_sql(f"UPDATE sms_outbox SET body = {param} WHERE id = {param}", (masked, row_id))
