"""Version 21: indexes and statistics for data shaped like real data (a learner with
thousands of achievements, a dominant institution, skewed surnames), and the initial
review's time on each application (the 转换初审 已审核 tab sorts by it), filled from the
review records. ``INDEXES``/``REPLACED`` are also what ``list_indexes`` (and
tests/foundation/test_list_indexes.py) expect of a fresh database; a fresh database keeps
``SKEWED_STATISTICS`` too (``create_schema``)."""
from peewee import DateTimeField
from playhouse.migrate import make_index_name

from migrations.tools import add_missing_columns, add_missing_index, is_postgres
from models import db

VERSION = 21

# Indexes: a heavy learner's pages read their
# own rows in order (not the table's created_at index past every other learner's), the
# API pages by keyset over (institution, time, id), and each 已审核 tab sorts by its
# deciding time from an index; the older, shorter indexes these replace are dropped.
REPLACED = (
    (("application", ("receiver_id", "submitted_at")), ("application", ("receiver_id", "submitted_at", "id"))),
    (("application", ("initiator_id", "submitted_at")), ("application", ("initiator_id", "submitted_at", "id"))),
    (("application", ("kind", "decided_at")), ("application", ("kind", "decided_stage", "decided_at", "id"))),
    (("application", ("teaching_point_id", "kind", "decided_at")),
     ("application", ("teaching_point_id", "kind", "decided_stage", "decided_at", "id"))),
)
INDEXES = (
    ("learner_achievement", ("learner_id", "created_at", "id")),
    ("learner_achievement", ("learner_id", "status")),
    ("learner_achievement", ("learner_id", "name")),
    ("application", ("learner_id", "submitted_at", "id")),
    ("application", ("receiver_id", "decided_at", "id")),
    ("application", ("initiator_id", "decided_at", "id")),
    ("application", ("kind", "initial_reviewed_at", "decided_stage", "id")),
    ("application", ("teaching_point_id", "kind", "initial_reviewed_at", "decided_stage", "id")),
)
# PostgreSQL samples 30 000 rows for a column's statistics: on skewed data (a heavy
# learner, a dominant institution or teaching point) its guesses of a value's rows then
# swing between ANALYZE runs, and plans with them. 1 000 buckets keep them near the truth.
SKEWED_STATISTICS = (("application", "learner_id"), ("application", "teaching_point_id"),
                     ("application", "receiver_id"), ("application", "initiator_id"),
                     ("learner_achievement", "learner_id"), ("learner_achievement", "stored_by_id"),
                     ("user", "teaching_point_id"), ("user", "added_by_institution_id"))


def keep_skewed_statistics():
    if not is_postgres():
        return
    for table, column in SKEWED_STATISTICS:
        db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS 1000')


def upgrade(migrator):
    add_missing_columns(migrator, "application", {"initial_reviewed_at": DateTimeField(null=True)})
    db.execute_sql('UPDATE "application" SET "initial_reviewed_at" = (SELECT MIN("created_at") FROM "review_record" '
                   'WHERE "review_record"."application_id" = "application"."id" AND "stage" = \'initial\') '
                   'WHERE "kind" = \'conversion\' AND "decided_stage" IS NOT NULL')
    for (table, old), (_table, new) in REPLACED:
        add_missing_index(migrator, table, new)
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, old)}"')
    for table, columns in INDEXES:
        add_missing_index(migrator, table, columns)
    keep_skewed_statistics()
