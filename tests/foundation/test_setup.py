"""Schema creation/migration, demo data, configuration defaults, translations."""
from migrations import LATEST, MIGRATIONS, migrator
from models import MODELS
from services.core import database
from services.seed import demo


def table_counts():
    return {model.__name__: model.select().count() for model in MODELS if model.__name__ != "SchemaVersion"}


def test_seed_demo_is_idempotent(app):
    demo.seed_demo()
    first = table_counts()
    demo.seed_demo()
    assert table_counts() == first
    assert first["CatalogueAchievement"] >= 30 and first["Institution"] >= 8
    assert first["ConversionMethod"] >= 3


def test_demo_covers_every_status_and_stage(app):
    from models import AchievementStatus, Application, ApplicationStatus, LearnerAchievement, Role, User

    demo.seed_demo()
    statuses = {row.status for row in LearnerAchievement.select(LearnerAchievement.status).distinct()}
    assert statuses == set(AchievementStatus.codes())
    stages = {(a.kind, a.status) for a in Application.select(Application.kind, Application.status).distinct()}
    assert {("recognition", "pending"), ("conversion", "pending"), ("conversion", "initial_passed"),
            ("conversion", "passed"), ("performance", "pending")} <= stages
    assert ApplicationStatus.REFUSED in {s for _, s in stages}
    assert User.select().where(User.role == Role.LEARNER).count() >= 20
    for username in ("center", "reviewer", "committee", "institution", "learner"):
        assert User.get_or_none(User.username == username) is not None


def test_demo_accounts_log_in(app, client):
    demo.seed_demo()
    for username, identity in [("center", "person"), ("institution", "institution"), ("learner", "person")]:
        response = app.test_client().post(
            "/login", data={"identity": identity, "identifier": username, "password": demo.DEMO_PASSWORD}
        )
        assert response.status_code == 302, username


def test_init_db_is_repeatable(app):
    assert database.init_db() == LATEST
    assert database.init_db() == LATEST


def test_cli_seed_demo_prints_accounts(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo@2026" in result.output and "committee" in result.output


def test_app_starts_on_an_empty_database(tmp_path):
    """`flask init-db` loads the app before any table exists: building the app (every
    admin view included) must not query the database."""
    from app import create_app
    from tests.conftest import TEST_CONFIG

    url = "sqlite:///" + str(tmp_path / "fresh.db")
    try:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "UPLOAD_DIR": str(tmp_path / "up")})
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    finally:
        from models import db

        if not db.is_closed():
            db.close()


LATER_TABLE_NAMES = ("ThrottleHit", "UserSession", "Job", "EmailOutbox", "ActivationRequest", "RuleAlert", "ApiToken",
                     "SigningKey", "IssuedCredential", "ConsumerHeartbeat", "FaqCategory", "FaqEntry", "RecordStatement",
                     "ShareLink", "ReportCell", "ReportHours", "ReportBuild", "ThrottlePace")
# Columns the steps add (indexed ones aside: SQLite cannot drop them in place).
LATER_COLUMNS = [("rule_target", "modules"), ("user", "commitment_read_at"), ("user", "locale"),
                 ("sms_outbox", "attempts"), ("sms_outbox", "sent_at"), ("sms_outbox", "error"),
                 ("conversion_rule", "effective_from"), ("conversion_rule", "effective_until"),
                 ("application", "revoked_at"), ("application", "revoked_reason"), ("application", "withdrawn_at"),
                 ("learner_achievement", "revoked_at"), ("learner_achievement", "revoked_reason"),
                 ("sms_outbox", "payload"), ("sms_outbox", "next_attempt_at"), ("sms_outbox", "reference")]


def make_version_1_database():
    """The tables and columns of version 1 in the (empty) database the models are bound to."""
    from playhouse.migrate import migrate

    import models
    from models import SchemaVersion, db

    later_tables = [getattr(models, name) for name in LATER_TABLE_NAMES]
    with db.connection_context():
        db.create_tables([m for m in MODELS if m not in later_tables])
        migrate(*(migrator().drop_column(table, column) for table, column in LATER_COLUMNS))
        SchemaVersion.create(version=1)
    return later_tables


def test_a_version_1_database_is_migrated(tmp_path):
    """A database made at version 1 gets every later table and column from `flask init-db`,
    through every step, on the kind of database the suite runs on (SQLite or PostgreSQL)."""
    from app import create_app
    from models import SchemaVersion, db
    from tests.conftest import TEST_CONFIG, scratch_database_url

    url = scratch_database_url(tmp_path)
    try:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "UPLOAD_DIR": str(tmp_path / "up")})
        later_tables = make_version_1_database()
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0 and f"schema version {LATEST}" in result.output, result.output
        with db.connection_context():
            assert all(model.table_exists() for model in later_tables)
            versions = [v for (v,) in SchemaVersion.select(SchemaVersion.version).tuples()]
            assert versions == [1] + [v for v, _ in MIGRATIONS]
            for table, column in LATER_COLUMNS:
                assert column in {c.name for c in db.get_columns(table)}, (table, column)
    finally:
        if not db.is_closed():
            db.close()


def test_every_step_module_is_listed_once_in_order():
    """A step's file (vNN_*.py) is run only when listed in ``migrations.STEPS``: none is
    forgotten, each carries the version of its name and a docstring, versions ascend."""
    import pathlib
    import re

    import migrations

    folder = pathlib.Path(migrations.__file__).parent
    files = sorted(path.stem for path in folder.glob("v[0-9]*.py"))
    assert [step.__name__.rsplit(".", 1)[1] for step in migrations.STEPS] == files
    for step in migrations.STEPS:
        named = int(re.match(r"v(\d+)_", step.__name__.rsplit(".", 1)[1]).group(1))
        assert named == step.VERSION, step.__name__
        assert (step.__doc__ or "").startswith(f"Version {step.VERSION}:"), step.__name__
    versions = [step.VERSION for step in migrations.STEPS]
    assert versions == sorted(set(versions)) and versions[0] > 1
