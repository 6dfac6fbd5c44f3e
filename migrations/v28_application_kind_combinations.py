"""Version 28: PostgreSQL keeps the common combinations of an application's kind with its
status and with the stage that decided it (extended statistics).

Judged independently, 已审核 of 绩效类成果转换 (kind performance, decided at the
performance stage) looked like 1 600 applications where there are 16 000 at 1M: a
one-character name search hashed all of them to meet the first 1 000 namesakes (8.5 ms)
instead of walking the names in order and stopping at the page's 20 (0.3–0.6 ms). The
same holds for each kind's 待审核 (kind, status).
"""
from migrations import tools

VERSION = 28

# (statistics object, table, columns): PostgreSQL's most-common-values list over the columns.
COMBINED_STATISTICS = (
    ("application_kind_status", "application", ("kind", "status")),
    ("application_kind_decided_stage", "application", ("kind", "decided_stage")),
)


def keep_combined_statistics():
    tools.keep_combined_statistics(COMBINED_STATISTICS)


def upgrade(migrator):
    keep_combined_statistics()
