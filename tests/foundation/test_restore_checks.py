"""A restore cannot half-fail: every check runs before anything is written (a damaged or
tampered archive, a database that is not empty, a bucket that cannot be used, too little
space), `restore --dry-run` runs only the checks, and a restore interrupted while writing
leaves the database empty so the same command simply runs again."""
import io
import json
import os
import tarfile

import pytest

from models import User, db
from services import backup, database
from tests import factories
from tests.conftest import make_app
from tests.foundation.test_operations import _empty_database, _write_upload

EVIDENCE = "ab" + "1" * 30 + ".pdf"


@pytest.fixture
def archive(database_url, tmp_path):
    """A backup of a small installation: the schema, one account and one stored file."""
    source = make_app(_empty_database(database_url, tmp_path, "rsource"), str(tmp_path / "uploads"))
    runner = source.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    with source.app_context(), db.connection_context():
        factories.make_user("center", username="chief")
    _write_upload(source.config["UPLOAD_DIR"], f"ab/{EVIDENCE}", b"%PDF-1.4 evidence")
    path = str(tmp_path / "backup.tar.gz")
    result = runner.invoke(args=["backup", path])
    assert result.exit_code == 0, result.output
    yield path
    database.open_database(database_url)


@pytest.fixture
def target(database_url, tmp_path):
    application = make_app(_empty_database(database_url, tmp_path, "rtarget"), str(tmp_path / "restored"))
    yield application
    if not db.is_closed():
        db.close()
    database.open_database(database_url)


def restore(application, path, *options):
    return application.test_cli_runner().invoke(args=["restore", path, *options])


def nothing_written(application):
    database.open_database(application.config["DATABASE_URL"])
    with db.connection_context():
        tables = [name for name in db.get_tables() if not name.startswith("sqlite_")]
    files = [name for _d, _s, names in os.walk(application.config["UPLOAD_DIR"]) for name in names]
    return tables == [] and files == []


def rewritten(path, change):
    """A copy of the archive with ``change(name, bytes)`` applied to each member."""
    members = []
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            members.append((member.name, change(member.name, tar.extractfile(member).read())))
    copy = path + ".changed.tar.gz"
    with tarfile.open(copy, "w:gz") as tar:
        for name, body in members:
            if body is None:
                continue
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return copy


def test_the_manifest_lists_every_member_with_its_checksum(archive):
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format"] == 2 and names[-1] == "manifest.json"
    assert set(manifest["members"]) == set(names) - {"manifest.json"}
    assert manifest["members"][f"uploads/{EVIDENCE}"]["size"] == len(b"%PDF-1.4 evidence")


def test_a_dry_run_checks_everything_and_writes_nothing(archive, target):
    result = restore(target, archive, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "every checksum matches" in result.output and "1 file(s)" in result.output
    assert "nothing was written" in result.output and nothing_written(target)


def test_a_truncated_archive_is_refused_before_writing(archive, target, tmp_path):
    truncated = str(tmp_path / "truncated.tar.gz")
    with open(archive, "rb") as whole, open(truncated, "wb") as part:
        part.write(whole.read()[: os.path.getsize(archive) // 2])
    result = restore(target, truncated)
    assert result.exit_code != 0 and "refused before writing" in result.output and "incomplete" in result.output
    assert nothing_written(target)


def test_a_member_changed_after_the_backup_is_refused_before_writing(archive, target):
    tampered = rewritten(archive, lambda name, body: b"%PDF-1.4 changed" if name.startswith("uploads/") else body)
    result = restore(target, tampered)
    assert result.exit_code != 0 and "checksum" in result.output and nothing_written(target)
    missing = rewritten(archive, lambda name, body: None if name.startswith("uploads/") else body)
    result = restore(target, missing)
    assert result.exit_code != 0 and "missing from the archive" in result.output and nothing_written(target)


def test_too_little_space_is_refused_before_writing(archive, target, monkeypatch):
    monkeypatch.setattr(backup, "_free", lambda path: 1024)
    result = restore(target, archive)
    assert result.exit_code != 0 and "not enough space" in result.output and nothing_written(target)


def test_an_interrupted_restore_leaves_the_database_empty_and_runs_again(archive, target, monkeypatch):
    real = backup._restore_database

    def fails(*args):
        raise OSError("disk full while restoring")

    monkeypatch.setattr(backup, "_restore_database", fails)
    result = restore(target, archive)
    assert result.exit_code != 0 and "run the same restore again" in result.output
    database.open_database(target.config["DATABASE_URL"])
    with db.connection_context():
        assert [name for name in db.get_tables() if not name.startswith("sqlite_")] == []
    monkeypatch.setattr(backup, "_restore_database", real)
    result = restore(target, archive)
    assert result.exit_code == 0, result.output
    with db.connection_context():
        assert User.get(User.username == "chief")
    with open(os.path.join(target.config["UPLOAD_DIR"], "ab", EVIDENCE), "rb") as handle:
        assert handle.read() == b"%PDF-1.4 evidence"


def test_an_older_backup_without_checksums_still_restores(archive, target, tmp_path):
    def older(name, body):
        if name != "manifest.json":
            return body
        manifest = json.loads(body)
        manifest.pop("members")
        manifest["format"] = 1
        return json.dumps(manifest).encode()

    result = restore(target, rewritten(archive, older))
    assert result.exit_code == 0, result.output
