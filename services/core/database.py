"""Database connection, write transactions and streaming reads.

SQLite by default (WAL, foreign keys on, busy timeout), PostgreSQL when
``DATABASE_URL=postgresql://…``. ``init_db`` creates the newest schema in an empty
database or runs the steps of the ``migrations`` package above the stored version.
"""
import contextlib
import os

from peewee import SqliteDatabase
from playhouse.db_url import connect
from playhouse.pool import PooledDatabase
from playhouse.postgres_ext import PostgresqlExtDatabase, ServerSide

import migrations
from models import SchemaVersion, db

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000, "synchronous": "normal"}


POOL_STALE_SECONDS = 300  # a kept connection is replaced after five minutes (new server settings, failover)


def open_database(url, pool=False, server_prepared=True):
    """Bind the models' proxy to the database at ``url`` and return it. PostgreSQL uses
    peewee's extended class for its server-side cursors (see ``stream``); with ``pool``, a
    connection closed at the end of a request is kept for the next one — a new PostgreSQL
    connection costs a server process and its cold catalogue caches, several ms a request —
    and checked with a ``SELECT 1`` when it is taken again, so that one a restart broke is
    replaced rather than used."""
    kwargs = {"pragmas": SQLITE_PRAGMAS} if url.startswith("sqlite") else {}
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            url = ("postgresext+pool://" if pool else "postgresext://") + url[len(scheme):]
            if pool:
                # No cap: the pool keeps connections, it never makes a thread wait for one (a
                # capped pool let a ninth thread time out while eight waited for it at a barrier).
                kwargs.update(max_connections=None, stale_timeout=POOL_STALE_SECONDS)
    if isinstance(db.obj, PooledDatabase):  # the connections kept for the database bound before
        db.obj.close_all()
    database = connect(url, **kwargs)
    # Statements marked ``Prepared(server=True)`` are kept prepared by PostgreSQL on each
    # connection; off where connections are shared between sessions (a pooler in
    # transaction mode), which would run one session's EXECUTE on another's connection.
    database.server_prepared = server_prepared
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


def current_version():
    if not SchemaVersion.table_exists():
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


INIT_LOCK_KEY = 7_302_113_190_427  # the advisory lock every host's init-db takes (any constant)


@contextlib.contextmanager
def init_lock(url):
    """Held while one host creates or migrates the schema and loads the reference data:
    any number of hosts may run ``init-db`` at once (``make serve`` does at every start);
    the others wait, then find the work done. PostgreSQL: a session-level advisory lock
    on a connection of its own; SQLite: an exclusive lock on a file beside the database."""
    if url.startswith("sqlite"):
        import fcntl

        path = url.split(":///", 1)[1]
        if path in ("", ":memory:"):
            yield
            return
        with open(os.path.abspath(path) + ".init-lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    import psycopg2

    connection = psycopg2.connect(url.replace("postgresext://", "postgresql://", 1))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", (INIT_LOCK_KEY,))
        yield
    finally:
        connection.close()  # ends the session, and with it the lock


def init_db():
    """Create the schema, or bring an existing one up to date. Returns the version."""
    with db.connection_context():
        version = current_version()
        if version == 0:
            with db.atomic():
                migrations.create_schema()
                SchemaVersion.create(version=migrations.LATEST)
            return migrations.LATEST
        for step_version, upgrade in migrations.steps_above(version):
            with db.atomic():
                upgrade(migrations.migrator())
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
