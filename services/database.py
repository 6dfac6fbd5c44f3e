"""Database set-up and schema migrations.

SQLite by default (WAL, foreign keys on, busy timeout), PostgreSQL when
``DATABASE_URL=postgresql://…``. Migrations use ``playhouse.migrate``: a fresh database
gets every table at the newest version; an existing one runs the steps in ``MIGRATIONS``
above its stored version. Add a step (never edit an old one) when a model changes after
a release.
"""
import datetime as dt

from peewee import AutoField, CharField, DateTimeField, Model, SqliteDatabase
from playhouse.db_url import connect
from playhouse.postgres_ext import PostgresqlExtDatabase, ServerSide
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

from models import MODELS, SchemaVersion, db

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000, "synchronous": "normal"}


# Each step carries a frozen copy of the models it creates, as they were at that
# version: later changes to models.py must not change what an old step does.
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


def create_pattern_indexes():
    if "postgres" not in type(db.obj).__name__.lower():
        return
    for table, column in PATTERN_INDEXES:
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "{table}_{column}_prefix" ON "{table}" ("{column}" text_pattern_ops)'
        )


def _list_indexes(migrator):
    from playhouse.migrate import make_index_name, migrate

    def present(table):
        return {index.name for index in db.get_indexes(table)}

    migrate(
        *[migrator.drop_index(table, name) for table, name in V9_DROPPED if name in present(table)],
        *[migrator.add_index(table, columns, False) for table, columns in V9_INDEXES
          if make_index_name(table, columns) not in present(table)],
    )
    create_pattern_indexes()


# (version, function(migrator)) pairs, in order. Version 1 is the initial schema.
MIGRATIONS = [(2, _add_throttle_hits), (9, _list_indexes)]
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
                create_pattern_indexes()
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
        database.execute_sql("ANALYZE")


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
