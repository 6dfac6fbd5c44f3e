"""Operations (SPEC §15): a fresh installation has reference data and no demo logins,
the first center account comes from create-admin, /healthz, backup and restore."""
import os

import pytest

import migrations
from models import MODELS, Category, FrameworkLevel, Institution, InstitutionKind, Role, User, db
from services import database, seed
from tests.conftest import make_app


def _empty_database(database_url, tmp_path, name):
    """A new, empty database of the kind under test (SQLite file or PostgreSQL database)."""
    if database_url.startswith("sqlite"):
        return "sqlite:///" + str(tmp_path / f"{name}.db")
    from tests.deployment.harness import create_database

    return create_database(database_url, f"{database_url.rsplit('/', 1)[1]}_{name}")


@pytest.fixture
def fresh_app(database_url, tmp_path):
    """An app on a brand-new database: nothing created yet, as on a new server."""
    application = make_app(_empty_database(database_url, tmp_path, "fresh"), str(tmp_path / "uploads"))
    with application.app_context():
        yield application
    if not db.is_closed():
        db.close()


def _counts():
    with db.connection_context():
        return {model.__name__: model.select().count() for model in MODELS}


def test_init_db_loads_reference_data_and_no_accounts(fresh_app):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with db.connection_context():
        assert Category.select().where(Category.parent.is_null(True)).count() >= 6  # both trees' roots
        assert Category.select().where(Category.field_schema.is_null(False)).count() >= 20
        assert [level.name for level in FrameworkLevel.select().order_by(FrameworkLevel.level)] == [
            "一级", "二级", "三级", "四级", "五级", "六级", "七级"
        ]
        department = Institution.get(Institution.kind == InstitutionKind.PROVINCE_DEPT)
        assert department.members.where(Institution.kind == InstitutionKind.COLLEGE).count() >= 10
        assert User.select().count() == 0
    first = _counts()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert _counts() == first  # a data migration: running it again adds nothing


def test_create_admin_then_the_center_logs_in_and_no_demo_login_works(fresh_app):
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    result = runner.invoke(
        args=["create-admin"], input="chief\n王主任\n13900009999\nChief@2026x\nChief@2026x\n"
    )
    assert result.exit_code == 0, result.output
    assert "Chief@2026x" not in result.output
    with db.connection_context():
        chief = User.get(User.username == "chief")
        assert chief.role == Role.CENTER and chief.password_hash != "Chief@2026x"

    client = fresh_app.test_client()
    for username, _label in seed.DEMO_ACCOUNTS:
        refused = client.post("/login", data={"identity": "person", "identifier": username, "password": seed.DEMO_PASSWORD})
        assert refused.status_code == 200, username  # the form again, no session
    response = client.post("/login", data={"identity": "person", "identifier": "chief", "password": "Chief@2026x"})
    assert response.status_code == 302
    categories = client.get("/admin/categories/")
    assert categories.status_code == 200 and "学历教育" in categories.get_data(as_text=True)
    levels = client.get("/admin/framework_levels/")
    assert levels.status_code == 200 and "七级" in levels.get_data(as_text=True)


def test_create_admin_refuses_a_weak_password(fresh_app):
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    result = runner.invoke(args=["create-admin"], input="chief\n王主任\n13900009999\nshort\nshort\n")
    assert result.exit_code != 0
    with db.connection_context():
        assert User.select().count() == 0


def test_seed_demo_refuses_in_production_unless_forced(fresh_app, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    runner = fresh_app.test_cli_runner()
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "APP_ENV=production" in refused.output
    with db.connection_context():
        assert not User.table_exists() or User.select().count() == 0
    forced = runner.invoke(args=["seed-demo", "--force"])
    assert forced.exit_code == 0, forced.output
    with db.connection_context():
        assert User.get_or_none(User.username == "center") is not None


def test_healthz_answers_200_with_the_database_and_503_without(client, monkeypatch):
    assert client.get("/healthz").get_json()["checks"]["database"] == {"status": "ok"}

    def unreachable(*_args, **_kwargs):
        raise db.obj.OperationalError("connection refused") if hasattr(db.obj, "OperationalError") else RuntimeError()

    monkeypatch.setattr(db.obj, "execute_sql", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": {"status": "down"}}}


def _write_upload(folder, relative, body):
    path = os.path.join(folder, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(body)


def test_backup_restores_every_row_and_file_into_an_empty_database(database_url, tmp_path):
    source = make_app(_empty_database(database_url, tmp_path, "source"), str(tmp_path / "uploads"))
    runner = source.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    evidence, result_book = "ab" + "1" * 30 + ".pdf", "cd" + "2" * 30 + ".xlsx"
    _write_upload(source.config["UPLOAD_DIR"], f"ab/{evidence}", b"%PDF-1.4 evidence")
    _write_upload(source.config["UPLOAD_DIR"], f"cd/{result_book}", b"PK workbook")
    _write_upload(source.config["UPLOAD_DIR"], "notes.txt", b"not a stored file")  # left out
    before = _counts()
    from services.storage import STORED_NAME

    stored = [n for _d, _s, names in os.walk(source.config["UPLOAD_DIR"]) for n in names if STORED_NAME.match(n)]
    archive = str(tmp_path / "backup.tar.gz")
    result = runner.invoke(args=["backup", archive])
    assert result.exit_code == 0 and f"{len(stored)} file(s)" in result.output, result.output
    assert os.path.exists(archive) and not os.path.exists(archive + ".partial")

    target = make_app(_empty_database(database_url, tmp_path, "target"), str(tmp_path / "restored"))
    result = target.test_cli_runner().invoke(args=["restore", archive])
    assert result.exit_code == 0, result.output
    assert _counts() == before
    with db.connection_context():
        assert database.current_version() == migrations.LATEST
        assert User.get(User.username == "learner").real_name == "陈晓明"
    with open(os.path.join(target.config["UPLOAD_DIR"], "ab", evidence), "rb") as handle:
        assert handle.read() == b"%PDF-1.4 evidence"
    assert os.path.exists(os.path.join(target.config["UPLOAD_DIR"], "cd", result_book))
    assert not os.path.exists(os.path.join(target.config["UPLOAD_DIR"], "notes.txt"))

    # A second restore would mix installations: refused, nothing changed.
    again = target.test_cli_runner().invoke(args=["restore", archive])
    assert again.exit_code != 0 and "not empty" in again.output
    assert _counts() == before
    if not db.is_closed():
        db.close()


def test_restore_refuses_a_file_that_is_not_a_backup(database_url, tmp_path):
    import tarfile

    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        tar.add(__file__, arcname="whatever.py")
    target = make_app(_empty_database(database_url, tmp_path, "bogus"), str(tmp_path / "restored"))
    result = target.test_cli_runner().invoke(args=["restore", str(bogus)])
    assert result.exit_code != 0 and "manifest" in result.output
