"""Version 16: the 重复证书 list's partial indexes hold the columns its search and filter
test, so either is read without the table."""
from models import db
from models.achievements import DUPLICATES_INDEXES

VERSION = 16


def upgrade(_migrator):
    db.execute_sql('DROP INDEX IF EXISTS "learner_achievement_duplicates_by_time"')
    for name, columns in DUPLICATES_INDEXES.items():
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')  # by_number: its narrower version 12 form
        db.execute_sql(f'CREATE INDEX "{name}" ON "learner_achievement" ({", ".join(columns)}) '
                       "WHERE duplicate_of IS NOT NULL")
