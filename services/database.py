"""Database set-up and schema migrations.

SQLite by default (WAL, foreign keys on, busy timeout), PostgreSQL when
``DATABASE_URL=postgresql://…``. Migrations use ``playhouse.migrate``: a fresh database
gets every table at the newest version; an existing one runs the steps in ``MIGRATIONS``
above its stored version. Add a step (never edit an old one) when a model changes after
a release.
"""
import datetime as dt
import json
import re

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)
from playhouse.db_url import connect
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator
from playhouse.postgres_ext import PostgresqlExtDatabase, ServerSide

from models import MODELS, Attachment, ConversionRule, ImportBatch, Institution, SchemaVersion, User, db
from services import real_shapes

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000, "synchronous": "normal"}


# Each step carries a frozen copy of the models it creates, as they were at that
# version: later changes to the models must not change what an old step does.
class _ThrottleHitV2(Model):
    id = AutoField()
    scope = CharField(max_length=20)
    key = CharField(max_length=100)
    created_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        database = db
        table_name = "throttle_hit"
        indexes = ((("scope", "key", "created_at"), False),)


def _add_throttle_hits(_migrator):
    db.create_tables([_ThrottleHitV2])


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


def _add_user_sessions(_migrator):
    """Version 7 (issue 14): server-side sessions, and the codes that the SMS outbox kept in
    clear until then masked (verification codes and one-time login codes)."""
    db.create_tables([_UserSessionV7])
    for row_id, purpose, body in db.execute_sql("SELECT id, purpose, body FROM sms_outbox").fetchall():
        masked = re.sub(r"\d{6}", "******", body) if purpose in _CODE_PURPOSES else _ONE_TIME.sub(r"\g<1>******", body)
        if masked != body:
            param = db.param
            db.execute_sql(f"UPDATE sms_outbox SET body = {param} WHERE id = {param}", (masked, row_id))


def add_missing_columns(migrator, table, columns):
    """Add the ``{name: field}`` columns ``table`` lacks (a step may meet a database that
    already has some of them, e.g. one created from newer models and stamped older)."""
    from playhouse.migrate import migrate

    present = {column.name for column in db.get_columns(table)}
    migrate(*(migrator.add_column(table, name, field) for name, field in columns.items() if name not in present))


def add_missing_index(migrator, table, columns, unique=False):
    from playhouse.migrate import migrate

    wanted = tuple(columns)
    if not any(tuple(index.columns) == wanted for index in db.get_indexes(table)):
        migrate(migrator.add_index(table, wanted, unique))


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


def _add_sms_delivery_state(migrator):
    """Version 10 (issue 15): SMS leave the outbox through the job consumer (rows written
    before were handed to the console backend at once, so they count as sent); each user
    keeps the language notifications to them are written in; the job table."""
    add_missing_columns(migrator, "sms_outbox", {
        "status": CharField(max_length=10, default="sent"),
        "attempts": IntegerField(default=1),
        "sent_at": DateTimeField(null=True),
        "error": CharField(max_length=500, null=True),
    })
    add_missing_index(migrator, "sms_outbox", ("status",))
    add_missing_columns(migrator, "user", {"locale": CharField(max_length=10, null=True)})
    db.create_tables([_JobV10], safe=True)  # large imports and exports as background jobs


def _add_rule_form_fields(migrator):
    """Structured 免考模块 of rule targets; when a user read the publication commitment."""
    from models import JSONField

    add_missing_columns(migrator, "rule_target", {"modules": JSONField(null=True)})
    add_missing_columns(migrator, "user", {"commitment_read_at": DateTimeField(null=True)})


def _feedback_message_links(_migrator):
    """The 处理 of a problem-feedback message opened /admin/ (the home page): point those
    messages at 问题反馈. They are the only messages institution accounts got with that link."""
    db.execute_sql(
        "UPDATE message SET link = '/admin/inst_feedback/' WHERE link = '/admin/' "
        "AND user_id IN (SELECT id FROM \"user\" WHERE role = 'institution')"
    )


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


def _case_insensitive_accounts(_migrator):
    """Version 5: usernames and e-mail addresses unique whatever their case (lower()
    unique indexes; e-mails stored in lower case), the e-mail outbox and the e-mail
    activation requests (manual 003)."""
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


# Version 9 (issue 13): indexes matching each list's filter + sort; one replaces a
# shorter one that is its prefix.
V9_DROPPED = (("application", "application_kind_status"),)
V9_INDEXES = (
    ("user", ("status", "created_at")),
    ("user", ("teaching_point_id", "created_at")),
    ("user", ("added_by_institution_id", "created_at")),
    ("user", ("added_by_institution_id", "real_name")),
    ("user", ("added_by_institution_id", "status")),
    ("learner_achievement", ("stored_by_id", "created_at")),
    ("learner_achievement", ("stored_by_id", "name")),
    ("learner_achievement", ("stored_by_id", "status")),
    ("learner_achievement", ("catalogue_id", "stored_by_id", "status")),
    ("catalogue_achievement", ("institution_id", "created_at")),
    ("application", ("kind", "status", "submitted_at")),
    ("application", ("kind", "submitted_at")),
    ("application", ("teaching_point_id", "kind", "status", "submitted_at")),
    ("application", ("teaching_point_id", "kind", "submitted_at")),
    ("application", ("kind", "decided_at")),
    ("application", ("teaching_point_id", "kind", "decided_at")),
    ("message", ("user_id", "created_at")),
    ("feedback", ("institution_id", "created_at")),
    ("sms_outbox", ("purpose",)),
    ("audit_log", ("object_type", "object_id")),
)
# PostgreSQL only: prefix searches (LIKE 'term%') use a B-tree index only with the
# text_pattern_ops operator class, whatever the database's collation; SQLite's GLOB uses
# the plain index on the column.
PATTERN_INDEXES = (("user", "real_name"), ("user", "username"), ("learner_achievement", "name"),
                   ("audit_log", "action"), ("audit_log", "object_type"))


# PostgreSQL guesses a prefix's rows from a histogram of 100 buckets (1 % of the learners
# each): a name prefix of 200 rows was guessed at 2 000, and after some ANALYZE samples the
# plan became a hash join over every learner (15 → 60 ms at 1 M). 1 000 buckets fix that.
PREFIX_STATISTICS = (("user", "real_name"), ("user", "username"), ("learner_achievement", "name"))


def support_prefix_search():
    """PostgreSQL's prefix-search indexes and fine histograms on the searched names."""
    if "postgres" not in type(db.obj).__name__.lower():
        return
    for table, column in PATTERN_INDEXES:
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "{table}_{column}_prefix" ON "{table}" ("{column}" text_pattern_ops)'
        )
    for table, column in PREFIX_STATISTICS:
        db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS 1000')


def _fine_name_statistics(_migrator):
    """Version 18 (issue 13): ``PREFIX_STATISTICS`` on an existing database (then analyse)."""
    support_prefix_search()
    analyse()


def _list_indexes(migrator):
    from playhouse.migrate import make_index_name, migrate

    def present(table):
        return {index.name for index in db.get_indexes(table)}

    migrate(
        *[migrator.drop_index(table, name) for table, name in V9_DROPPED if name in present(table)],
        *[migrator.add_index(table, columns, False) for table, columns in V9_INDEXES
          if make_index_name(table, columns) not in present(table)],
    )
    support_prefix_search()


V11_INDEXES = [("application", ("receiver_id", "submitted_at")),
               ("application", ("receiver_id", "kind", "status", "submitted_at")),
               ("application", ("initiator_id", "submitted_at")),
               ("application", ("kind", "submitted_at", "decided_stage", "id")),
               ("application", ("teaching_point_id", "kind", "submitted_at", "decided_stage", "id"))]


def _application_owners(migrator):
    """Version 11 (issue 13): each application names the institution whose rule it is
    (receiver), the one whose batch it is (initiator) and the last stage that decided it
    (decided_stage), indexed with the lists' order."""
    from models import Institution

    add_missing_columns(migrator, "application", {
        "receiver_id": ForeignKeyField(Institution, null=True, field=Institution.id, on_delete="RESTRICT", index=False),
        "initiator_id": ForeignKeyField(Institution, null=True, field=Institution.id, on_delete="RESTRICT", index=False),
    })
    db.execute_sql('UPDATE "application" SET "receiver_id" = (SELECT "institution_id" FROM "conversion_rule" '
                   'WHERE "conversion_rule"."id" = "application"."rule_id") WHERE "rule_id" IS NOT NULL')
    db.execute_sql('UPDATE "application" SET "initiator_id" = (SELECT "institution_id" FROM "conversion_batch" '
                   'WHERE "conversion_batch"."id" = "application"."batch_id") WHERE "batch_id" IS NOT NULL')
    add_missing_columns(migrator, "application", {"decided_stage": CharField(max_length=20, null=True)})
    db.execute_sql('UPDATE "application" SET "decided_stage" = (SELECT "stage" FROM "review_record" '
                   'WHERE "review_record"."application_id" = "application"."id" '
                   'ORDER BY "created_at" DESC, "id" DESC LIMIT 1)')
    for table, columns in V11_INDEXES:
        add_missing_index(migrator, table, columns)
class _RuleAlertV15(Model):
    id = AutoField()
    rule = ForeignKeyField(ConversionRule, backref="+", on_delete="CASCADE")
    learner = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    notified = BooleanField(default=False)
    created_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        database, table_name, indexes = db, "rule_alert", ((("rule", "learner"), True),)


def _add_mail_delivery_and_rule_alerts(migrator):
    """Version 15 (issue 19): e-mails leave the outbox through the job consumer (rows
    written before were owed and never sent: they stay pending and go out), and the
    record of which learner was told about which published rule."""
    delivery = dict(status=CharField(max_length=10, default="pending"), attempts=IntegerField(default=0),
                    sent_at=DateTimeField(null=True), error=CharField(max_length=500, null=True))
    add_missing_columns(migrator, "email_outbox", delivery)
    add_missing_index(migrator, "email_outbox", ("status",))
    db.create_tables([_RuleAlertV15], safe=True)
def _rule_versions_and_duplicates(migrator):
    """Version 12 (issue 19): versioned, effective-dated rules — a code is unique per
    version; rules published so far are version 1, in force from the day they were
    published — and the normalised certificate number of learner achievements with their
    duplicate flag, filled for the rows there are (services/duplicates.py)."""
    from peewee import DateField
    from playhouse.migrate import migrate

    if "version" not in {column.name for column in db.get_columns("conversion_rule")}:
        # In one statement: peewee adds a NOT NULL column in three steps, the last of which
        # rebuilds the table on SQLite — refused while applications refer to its rules.
        db.execute_sql('ALTER TABLE "conversion_rule" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1')
    add_missing_columns(migrator, "conversion_rule", {
        "lineage": IntegerField(null=True),
        "effective_from": DateField(null=True),
        "effective_until": DateField(null=True),
    })
    indexes = {index.name: index for index in db.get_indexes("conversion_rule")}
    if "conversion_rule_code" in indexes and indexes["conversion_rule_code"].unique:
        migrate(migrator.drop_index("conversion_rule", "conversion_rule_code"))
    add_missing_index(migrator, "conversion_rule", ("code", "version"), unique=True)
    add_missing_index(migrator, "conversion_rule", ("lineage",))
    db.execute_sql("UPDATE conversion_rule SET effective_from = CAST(published_at AS DATE) "
                   "WHERE published_at IS NOT NULL AND effective_from IS NULL"
                   if "postgres" in type(db.obj).__name__.lower() else
                   "UPDATE conversion_rule SET effective_from = date(published_at) "
                   "WHERE published_at IS NOT NULL AND effective_from IS NULL")
    add_missing_columns(migrator, "learner_achievement", {
        "certificate_key": CharField(max_length=100, null=True),
        "duplicate_of": IntegerField(null=True),
    })
    add_missing_index(migrator, "learner_achievement", ("catalogue_id", "certificate_key"))
    for column, name in (("created_at", "learner_achievement_duplicates_by_time"),
                         ("certificate_key", "learner_achievement_duplicates_by_number")):
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "learner_achievement" ("{column}") '
                       "WHERE duplicate_of IS NOT NULL")
    if "postgres" in type(db.obj).__name__.lower():
        number = "COALESCE(personal_code, CAST(fields AS json) ->> 'certificate_no')"
    else:
        number = "COALESCE(personal_code, json_extract(fields, '$.certificate_no'))"
    db.execute_sql(f"UPDATE learner_achievement SET certificate_key = UPPER(TRIM({number})) "
                   "WHERE catalogue_id IS NOT NULL")
    db.execute_sql("UPDATE learner_achievement SET certificate_key = NULL WHERE certificate_key IN ('', '-', '无', "
                   "'NONE', 'N/A', '/')")
    db.execute_sql(
        "UPDATE learner_achievement SET duplicate_of = (SELECT MIN(earlier.id) FROM learner_achievement earlier"
        " WHERE earlier.catalogue_id = learner_achievement.catalogue_id"
        " AND earlier.certificate_key = learner_achievement.certificate_key AND earlier.id < learner_achievement.id)"
        " WHERE certificate_key IS NOT NULL"
    )
class _ApiTokenV14(Model):
    id = AutoField()
    institution = ForeignKeyField(Institution, backref="+", on_delete="RESTRICT")
    name = CharField(max_length=100)
    scope = CharField(max_length=10)
    token_hash = CharField(max_length=64, unique=True)
    hint = CharField(max_length=12)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=dt.datetime.now)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    revoked_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        database = db
        table_name = "api_token"
        indexes = ((("institution", "created_at"), False),)


def _add_api_tokens(_migrator):
    """Version 14 (issue 19): institution API tokens."""
    db.create_tables([_ApiTokenV14])
class _CredentialTableV13(Model):
    id = AutoField()
    created_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        database = db


class _SigningKeyV13(_CredentialTableV13):
    kid = CharField(max_length=64, unique=True)
    public_jwk = TextField()
    private_key = TextField()

    class Meta:
        table_name = "signing_key"


class _IssuedCredentialV13(_CredentialTableV13):
    subject_type = CharField(max_length=20)
    subject_id = IntegerField()
    learner = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    status_list = IntegerField()
    status_index = IntegerField()

    class Meta:
        table_name = "issued_credential"
        indexes = ((("subject_type", "subject_id"), True), (("status_list", "status_index"), True))


def _add_credential_tables(_migrator):
    """Version 13 (issue 19): the credential signing keys and the status-list bits of
    issued verifiable credentials."""
    db.create_tables([_SigningKeyV13, _IssuedCredentialV13], safe=True)


def _cover_the_duplicates_list(_migrator):
    """Version 16 (issue 13): the 重复证书 list's partial indexes hold the columns its
    search and filter test, so either is read without the table."""
    from models.achievements import DUPLICATES_INDEXES

    db.execute_sql('DROP INDEX IF EXISTS "learner_achievement_duplicates_by_time"')
    for name, columns in DUPLICATES_INDEXES.items():
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')  # by_number: its narrower version 12 form
        db.execute_sql(f'CREATE INDEX "{name}" ON "learner_achievement" ({", ".join(columns)}) '
                       "WHERE duplicate_of IS NOT NULL")


# Version 17 (issue 13): the 待审核 tabs' indexes end with the id, so that PostgreSQL reads
# a page's ids from the index alone (a reviewer's last page: 17.6 → 0.4 ms at a million
# rows, where the planner walked the whole submitted_at index instead).
V17_COVERED = [("application", ("kind", "status", "submitted_at")),
               ("application", ("teaching_point_id", "kind", "status", "submitted_at")),
               ("application", ("receiver_id", "kind", "status", "submitted_at"))]


def list_indexes():
    """(table, columns) of every list index at the newest version: versions 9 and 11, with
    those version 17 extended, less those version 21 replaced, plus version 21's."""
    covered = set(V17_COVERED)
    replaced = {old for old, _new in real_shapes.REPLACED}
    return [(table, columns + ("id",) if (table, columns) in covered else columns)
            for table, columns in [*V9_INDEXES, *V11_INDEXES] if (table, columns) not in replaced] + [
        new for _old, new in real_shapes.REPLACED] + list(real_shapes.INDEXES)


def _cover_pending_tabs(migrator):
    from playhouse.migrate import make_index_name

    for table, columns in V17_COVERED:
        add_missing_index(migrator, table, columns + ("id",))
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, columns)}"')


def _identity_key_v19(name, fields):
    """Version 19's copy of services.records.catalogue.identity_key (frozen here)."""
    import unicodedata

    def norm(value):
        return unicodedata.normalize("NFKC", str(value or "")).strip().upper()

    code = (fields or {}).get("course_code") or (fields or {}).get("certificate_code") or ""
    return f"{norm(name)}|{norm(code)}"[:320]


def _ledger(migrator):
    """Version 19: the ledger revokes what it granted. Applications and learner achievements
    say when and why they were revoked; an application closed because its achievement was
    withdrawn (formerly 'cancelled') is 'revoked', and so is a passed conversion whose
    source was withdrawn, with the targets it granted, transitively; every passed
    conversion has its certificate code (minted at the grant from now on); catalogue
    entries carry their identity key, unique per institution (an earlier duplicate keeps
    its key suffixed with its id, so the index can hold)."""
    import secrets

    add_missing_columns(migrator, "application", {
        "revoked_at": DateTimeField(null=True), "revoked_reason": TextField(null=True),
        "withdrawn_at": DateTimeField(null=True)})
    add_missing_columns(migrator, "learner_achievement", {
        "revoked_at": DateTimeField(null=True), "revoked_reason": TextField(null=True)})
    add_missing_columns(migrator, "catalogue_achievement", {"identity_key": CharField(max_length=320, null=True)})
    param = db.param
    db.execute_sql('UPDATE "application" SET "status" = \'revoked\', "revoked_at" = "decided_at", '
                   '"revoked_reason" = (SELECT "withdrawn_reason" FROM "learner_achievement" '
                   'WHERE "learner_achievement"."id" = "application"."achievement_id") '
                   'WHERE "status" = \'cancelled\'')
    granting = "('conversion', 'performance', 'batch')"
    while True:  # passed conversions resting on a withdrawn or revoked achievement, to a fixpoint
        rows = db.execute_sql(
            'SELECT a.id, s.withdrawn_reason, s.revoked_reason FROM "application" a '
            'JOIN "learner_achievement" s ON s.id = a.achievement_id '
            f"WHERE a.status = 'passed' AND a.kind IN {granting} AND s.status IN ('withdrawn', 'revoked')").fetchall()
        if not rows:
            break
        moment = dt.datetime.now()
        for application_id, withdrawn_reason, revoked_reason in rows:
            reason = withdrawn_reason or revoked_reason
            db.execute_sql(f'UPDATE "application" SET "status" = \'revoked\', "revoked_at" = {param}, '
                           f'"revoked_reason" = {param} WHERE "id" = {param}', (moment, reason, application_id))
            db.execute_sql(f'UPDATE "learner_achievement" SET "status" = \'revoked\', "revoked_at" = {param}, '
                           f'"revoked_reason" = {param} WHERE "granted_by" = {param} AND "status" = \'recognised\'',
                           (moment, reason, application_id))
    missing = db.execute_sql(f'SELECT "id" FROM "application" WHERE "status" IN (\'passed\', \'revoked\') '
                             f'AND "kind" IN {granting} AND "decided_stage" IS NOT NULL '
                             'AND "certificate_code" IS NULL').fetchall()
    for (application_id,) in missing:
        db.execute_sql(f'UPDATE "application" SET "certificate_code" = {param} WHERE "id" = {param}',
                       (secrets.token_hex(8).upper(), application_id))
    seen = set()
    entries = db.execute_sql('SELECT "id", "institution_id", "name", "fields" FROM "catalogue_achievement" '
                             'ORDER BY "id"').fetchall()
    for entry_id, institution_id, name, fields in entries:
        key = _identity_key_v19(name, json.loads(fields) if isinstance(fields, str) else fields)
        if (institution_id, key) in seen:
            key = f"{key[:300]}#{entry_id}"
        seen.add((institution_id, key))
        db.execute_sql(f'UPDATE "catalogue_achievement" SET "identity_key" = {param} WHERE "id" = {param}',
                       (key, entry_id))
    add_missing_index(migrator, "catalogue_achievement", ("institution_id", "identity_key"), unique=True)


def _records_and_reports(migrator):
    """Version 25: 学习档案 statements and share links; 统计报表's aggregates and the index
    its drill-down into decided applications reads."""
    from models import RecordStatement, ReportBuild, ReportCell, ReportHours, ShareLink

    db.create_tables([RecordStatement, ShareLink, ReportCell, ReportHours, ReportBuild], safe=True)
    add_missing_index(migrator, "application", ("decided_at", "id"))


# (version, function(migrator)) pairs, in order. Version 1 is the initial schema.
MIGRATIONS = [
    (2, _add_throttle_hits),
    (3, _add_rule_form_fields),
    (4, _feedback_message_links),
    (5, _case_insensitive_accounts),
    (7, _add_user_sessions),
    (9, _list_indexes),
    (10, _add_sms_delivery_state),
    (11, _application_owners),
    (12, _rule_versions_and_duplicates),
    (13, _add_credential_tables),
    (14, _add_api_tokens),
    (15, _add_mail_delivery_and_rule_alerts),
    (16, _cover_the_duplicates_list),
    (17, _cover_pending_tabs),
    (18, _fine_name_statistics),
    (19, _ledger),
    (21, real_shapes.migrate),
    (25, _records_and_reports),
]
LATEST = max([1] + [version for version, _ in MIGRATIONS])


def open_database(url):
    """Bind the models' proxy to the database at ``url`` and return it. PostgreSQL uses
    peewee's extended class for its server-side cursors (see ``stream``)."""
    kwargs = {"pragmas": SQLITE_PRAGMAS} if url.startswith("sqlite") else {}
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            url = "postgresext://" + url[len(scheme):]
    database = connect(url, **kwargs)
    db.initialize(database)
    return database


def sibling_postgres_database(url, name):
    """The URL of database ``name`` on the PostgreSQL server of ``url``, created if missing
    (tests give each worker one, the scale benchmark one per dataset size)."""
    import psycopg2

    admin = psycopg2.connect(url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return url.rsplit("/", 1)[0] + "/" + name


def migrator():
    database = db.obj
    return PostgresqlMigrator(database) if "postgres" in type(database).__name__.lower() else SqliteMigrator(database)


def current_version():
    if not SchemaVersion.table_exists():
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


def init_db():
    """Create the schema, or bring an existing one up to date. Returns the version."""
    with db.connection_context():
        version = current_version()
        if version == 0:
            with db.atomic():
                db.create_tables(MODELS)
                support_prefix_search()
                real_shapes.keep_skewed_statistics()
                SchemaVersion.create(version=LATEST)
            return LATEST
        for step_version, step in MIGRATIONS:
            if step_version > version:
                with db.atomic():
                    step(migrator())
                    SchemaVersion.create(version=step_version)
        return current_version()


def analyse(full=False):
    """Refresh the query planner's statistics (called at start and after imports and
    the scale generator). SQLite never gathers them itself: without sqlite_stat1 it
    guesses, and picks e.g. a whole-table sort over the index a list's order needs.
    ``analysis_limit`` samples each index, so this takes milliseconds even at a million
    rows. PostgreSQL's autovacuum analyses on its own; after a bulk load it is asked."""
    database = db.obj
    if isinstance(database, SqliteDatabase):
        database.execute_sql("PRAGMA analysis_limit=0" if full else "PRAGMA analysis_limit=5000")
        database.execute_sql("ANALYZE")
    else:
        # After a bulk load (``full``) VACUUM also marks the pages all-visible, which
        # index-only scans need; autovacuum does that on its own later.
        database.execute_sql("VACUUM ANALYZE" if full else "ANALYZE")


def transaction():
    """A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so
    concurrent writers wait on the busy timeout instead of failing with "database is
    locked" when a read lock cannot be upgraded; PostgreSQL needs nothing special."""
    database = db.obj
    if isinstance(database, SqliteDatabase) and not database.in_transaction():
        return database.atomic("IMMEDIATE")
    return database.atomic()


def stream(query, chunk=2000):
    """The rows of ``query`` one at a time in constant memory: through a server-side
    cursor on PostgreSQL (psycopg2 would otherwise fetch every row at once); SQLite
    already steps through rows."""
    database = db.obj
    if isinstance(database, PostgresqlExtDatabase):
        with database.atomic():
            yield from ServerSide(query, array_size=chunk)
    else:
        yield from query.iterator()
