"""The indexes the lists rely on (issue 13) exist, on SQLite and on PostgreSQL, in a
fresh database and after migration 9 (from a database with the version-8 indexes)."""
from playhouse.migrate import make_index_name

from models import MODELS, SchemaVersion, db
from services import database


def index_names(table):
    return {index.name for index in db.get_indexes(table)}


def expected():
    return [(table, make_index_name(table, columns)) for table, columns in database.V9_INDEXES]


def test_a_fresh_database_has_the_list_indexes(app):
    missing = [(table, name) for table, name in expected() if name not in index_names(table)]
    assert not missing
    if "postgres" in type(db.obj).__name__.lower():
        for table, column in database.PATTERN_INDEXES:
            assert f"{table}_{column}_prefix" in index_names(table)


def test_the_model_indexes_are_the_migration_indexes(app):
    """A fresh database (models) and a migrated one (V9_INDEXES) end up alike."""
    declared = {
        (model._meta.table_name, make_index_name(model._meta.table_name, [f.column_name for f in index._expressions]))
        for model in MODELS
        for index in model._meta.fields_to_index()
        if len(index._expressions) > 1 or model._meta.table_name == "sms_outbox"
    }
    assert set(expected()) <= declared


def test_migration_9_adds_the_list_indexes(app):
    for _table, name in expected():
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    db.execute_sql('CREATE INDEX IF NOT EXISTS "application_kind_status" ON "application" ("kind", "status")')
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=8)
    try:
        assert database.init_db() == database.LATEST
        missing = [(table, name) for table, name in expected() if name not in index_names(table)]
        assert not missing
        assert "application_kind_status" not in index_names("application")
    finally:
        SchemaVersion.delete().execute()
        SchemaVersion.create(version=database.LATEST)
