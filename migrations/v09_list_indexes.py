"""Version 9: indexes matching each list's filter and sort (one replaces a shorter one
that is its prefix), and PostgreSQL's prefix-search indexes."""
from playhouse.migrate import make_index_name, migrate

from migrations.tools import support_prefix_search
from models import db

VERSION = 9

DROPPED = (("application", "application_kind_status"),)
INDEXES = (
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


def _present(table):
    return {index.name for index in db.get_indexes(table)}


def upgrade(migrator):
    migrate(
        *[migrator.drop_index(table, name) for table, name in DROPPED if name in _present(table)],
        *[migrator.add_index(table, columns, False) for table, columns in INDEXES
          if make_index_name(table, columns) not in _present(table)],
    )
    support_prefix_search()
