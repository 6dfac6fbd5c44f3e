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


# (version, function(migrator)) pairs, in order. Version 1 is the initial schema.
MIGRATIONS = [(2, _add_throttle_hits)]
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
                SchemaVersion.create(version=LATEST)
            return LATEST
        for step_version, step in MIGRATIONS:
            if step_version > version:
                with db.atomic():
                    step(migrator())
                    SchemaVersion.create(version=step_version)
        return current_version()


def analyse():
    """Refresh the query planner's statistics (called at start and after imports and
    the scale generator). SQLite never gathers them itself: without sqlite_stat1 it
    guesses, and picks e.g. a whole-table sort over the index a list's order needs.
    ``analysis_limit`` samples each index, so this takes milliseconds even at a million
    rows. PostgreSQL's autovacuum analyses on its own; after a bulk load it is asked."""
    database = db.obj
    if isinstance(database, SqliteDatabase):
        database.execute_sql("PRAGMA analysis_limit=2000")
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
