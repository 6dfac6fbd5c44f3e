"""What the steps share: the migrator for the database in use, idempotent additions, index
replacements, PostgreSQL's prefix-search indexes and combined statistics (which a fresh
database gets too, see ``create_schema``)."""
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, make_index_name, migrate

from models import db


def is_postgres():
    return "postgres" in type(db.obj).__name__.lower()


def migrator():
    """``playhouse.migrate``'s migrator for the database the models are bound to."""
    return PostgresqlMigrator(db.obj) if is_postgres() else SqliteMigrator(db.obj)


def add_missing_columns(migrator, table, columns):
    """Add the ``{name: field}`` columns ``table`` lacks (a step may meet a database that
    already has some of them, e.g. one created from newer models and stamped older)."""
    present = {column.name for column in db.get_columns(table)}
    migrate(*(migrator.add_column(table, name, field) for name, field in columns.items() if name not in present))


def add_missing_index(migrator, table, columns, unique=False):
    wanted = tuple(columns)
    if not any(tuple(index.columns) == wanted for index in db.get_indexes(table)):
        migrate(migrator.add_index(table, wanted, unique))


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
    if not is_postgres():
        return
    for table, column in PATTERN_INDEXES:
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "{table}_{column}_prefix" ON "{table}" ("{column}" text_pattern_ops)'
        )
    for table, column in PREFIX_STATISTICS:
        db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS 1000')


def keep_combined_statistics(statistics):
    """PostgreSQL's most-common-values list over columns that go together, for each
    (statistics object, table, columns) of ``statistics`` (SQLite has none)."""
    if not is_postgres():
        return
    for name, table, columns in statistics:
        db.execute_sql(f'CREATE STATISTICS IF NOT EXISTS "{name}" (mcv) ON {", ".join(columns)} FROM "{table}"')


def replace_indexes(migrator, replaced):
    """For each ((table, old columns), (table, new columns)) of ``replaced``: the new index
    added where missing, the old one dropped."""
    for (table, old), (_table, new) in replaced:
        add_missing_index(migrator, table, new)
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, old)}"')
