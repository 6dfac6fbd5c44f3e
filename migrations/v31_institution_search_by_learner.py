"""Version 31: 学员成果 searched by a learner's name finds the institution's own rows of
those learners in one index, (stored_by, learner). Without it every achievement of every
namesake was found and then looked up to see which institution stored it: a common full
name at 1 000 000 achievements is 338 learners and 1 690 achievements, 526 of them the
dominant institution's (4.4 → 2.0 ms for each of the page's count and ids on PostgreSQL)."""
from migrations.tools import add_missing_index

VERSION = 31

INDEXES = (("learner_achievement", ("stored_by_id", "learner_id")),)


def upgrade(migrator):
    for table, columns in INDEXES:
        add_missing_index(migrator, table, columns)
