"""Version 5: usernames and e-mail addresses unique whatever their case (lower() unique
indexes; e-mails stored in lower case), the e-mail outbox and the e-mail activation
requests (manual 003)."""
import datetime as dt
import json

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, Model, TextField

from models import db

VERSION = 5


class _EmailOutboxV5(Model):
    id = AutoField()
    email = CharField(max_length=100, index=True)
    subject = CharField(max_length=200)
    body = TextField()
    created_at = DateTimeField(default=dt.datetime.now, index=True)

    class Meta:
        database = db
        table_name = "email_outbox"


class _UserRefV5(Model):
    """Only what the foreign keys below point at (never created by a step)."""

    id = AutoField()

    class Meta:
        database = db
        table_name = "user"


class _ActivationRequestV5(Model):
    id = AutoField()
    user = ForeignKeyField(_UserRefV5, on_delete="CASCADE")
    email = CharField(max_length=100)
    password_hash = CharField(max_length=255)
    status = CharField(max_length=20, default="pending", index=True)
    reason = TextField(null=True)
    submitted_at = DateTimeField(default=dt.datetime.now, index=True)
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(_UserRefV5, null=True, on_delete="SET NULL")

    class Meta:
        database = db
        table_name = "activation_request"


def _resolve_case_clashes(column, keep_value):
    """Accounts whose ``column`` differs only in case from an older account's: the oldest
    keeps it, the others get ``keep_value(value, id)``; each change is audited, so the
    center can tell the people concerned."""
    rows = db.execute_sql(
        f'SELECT id, {column} FROM "user" WHERE lower({column}) IN '
        f'(SELECT lower({column}) FROM "user" WHERE {column} IS NOT NULL GROUP BY lower({column}) HAVING COUNT(*) > 1) '
        f"ORDER BY lower({column}), id"
    ).fetchall()
    seen = set()
    for user_id, value in rows:
        if value.lower() not in seen:
            seen.add(value.lower())
            continue
        new_value = keep_value(value, user_id)
        db.execute_sql(f'UPDATE "user" SET {column} = %s WHERE id = %s'.replace("%s", db.param), (new_value, user_id))
        db.execute_sql(
            "INSERT INTO audit_log (action, object_type, object_id, details, created_at) VALUES (%s, %s, %s, %s, %s)"
            .replace("%s", db.param),
            (f"{column}_case_clash", "User", user_id,
             json.dumps({"before": value, "after": new_value}, ensure_ascii=False), dt.datetime.now()),
        )


def upgrade(_migrator):
    _resolve_case_clashes("username", lambda value, user_id: f"{value}{user_id}"[:50])
    _resolve_case_clashes("email", lambda value, user_id: None)
    db.execute_sql('UPDATE "user" SET email = lower(email) WHERE email <> lower(email)')
    db.execute_sql('CREATE UNIQUE INDEX IF NOT EXISTS "user_username_lower" ON "user" (lower("username"))')
    db.execute_sql('CREATE UNIQUE INDEX IF NOT EXISTS "user_email_lower" ON "user" (lower("email"))')
    db.create_tables([_EmailOutboxV5, _ActivationRequestV5])
    db.execute_sql(
        'CREATE UNIQUE INDEX IF NOT EXISTS "activation_request_one_pending" ON "activation_request" ("user_id") '
        "WHERE status = 'pending'"
    )
