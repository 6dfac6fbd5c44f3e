"""Hosts that start together (`make serve` runs init-db at every start): two `flask
init-db` at once, on a new database and on one made by an old release, both succeed and
leave one schema and one copy of the reference data — the second waits for the init lock
(a PostgreSQL advisory lock, a file lock beside a SQLite database) and finds the work done."""
import os
import subprocess
import sys

import migrations
from models import Category, FrameworkLevel, Institution, SchemaVersion, db
from services import database
from tests.foundation.test_jobs import ROOT
from tests.foundation.test_operations import _empty_database
from tests.foundation.test_setup import make_version_1_database

FLASK = os.path.join(os.path.dirname(sys.executable), "flask")


def two_at_once(url, tmp_path):
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "UPLOAD_DIR": str(tmp_path / "uploads")}
    starts = [subprocess.Popen([FLASK, "--app", "app", "init-db"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT) for _ in range(2)]
    outputs = [start.communicate(timeout=300)[0].decode() for start in starts]
    assert [start.returncode for start in starts] == [0, 0], outputs
    database.open_database(url)
    with db.connection_context():
        versions = [v for (v,) in SchemaVersion.select(SchemaVersion.version).tuples()]
        counts = (Category.select().count(), FrameworkLevel.select().count(), Institution.select().count())
    return versions, counts


def test_two_init_db_at_once_on_a_new_database(database_url, tmp_path):
    url = _empty_database(database_url, tmp_path, "twostart")
    versions, counts = two_at_once(url, tmp_path)
    assert versions == [migrations.LATEST]
    assert counts[1] == 7 and counts[0] > 20
    assert two_at_once(url, tmp_path) == (versions, counts)  # and again: nothing added
    database.open_database(database_url)


def test_two_init_db_at_once_on_an_old_database(database_url, tmp_path):
    url = _empty_database(database_url, tmp_path, "twoupgrade")
    database.open_database(url)
    make_version_1_database()
    versions, counts = two_at_once(url, tmp_path)
    assert versions == [1] + [v for v, _ in migrations.MIGRATIONS]  # each step once
    assert counts[1] == 7
    database.open_database(database_url)
