"""Migration 12 (rule versions, duplicate certificates) on the data a database already holds: published rules become
version 1 in force from their publication day, and duplicate certificates already stored
are flagged; the demo data has a rule with two versions and one duplicate pair."""
import datetime as dt

from migrations import migrator, v12_rule_versions_and_duplicates
from models import ConversionRule, LearnerAchievement, RuleStatus, db
from services.seed import demo
from tests import factories


def test_step_12_dates_published_rules_and_flags_stored_duplicates(app, reference):
    catalogue_achievement, other = factories.make_catalogue(), factories.make_catalogue()
    course = factories.make_catalogue("course")
    published = factories.make_rule([catalogue_achievement], [course], published_at=dt.datetime(2024, 5, 6, 9, 30))
    draft = factories.make_rule([catalogue_achievement], [course], status=RuleStatus.DRAFT)
    rows = [factories.make_achievement(factories.make_learner(), catalogue_achievement, personal_code="X-1"),
            factories.make_achievement(factories.make_learner(), catalogue_achievement,
                                       fields={"certificate_no": " x-1 "}),
            factories.make_achievement(factories.make_learner(), other, personal_code="X-1"),
            factories.make_achievement(factories.make_learner(), catalogue_achievement, personal_code="-")]
    # As a version-10 database holds them: no dates, no numbers, no flags.
    db.execute_sql("UPDATE conversion_rule SET effective_from = NULL")
    db.execute_sql("UPDATE learner_achievement SET certificate_key = NULL, duplicate_of = NULL")
    v12_rule_versions_and_duplicates.upgrade(migrator())
    assert ConversionRule.get_by_id(published.id).effective_from == dt.date(2024, 5, 6)
    assert ConversionRule.get_by_id(draft.id).effective_from is None
    assert ConversionRule.get_by_id(published.id).version == 1
    after = {row.id: row for row in LearnerAchievement.select()}
    assert [after[r.id].certificate_key for r in rows] == ["X-1", "X-1", "X-1", None]
    assert [after[r.id].duplicate_of for r in rows] == [None, rows[0].id, None, None]
    v12_rule_versions_and_duplicates.upgrade(migrator())  # a second run changes nothing
    assert LearnerAchievement.get_by_id(rows[1].id).duplicate_of == rows[0].id


def test_demo_data_has_a_rule_with_two_versions_and_a_duplicate_pair(app):
    demo.seed_demo()
    second = ConversionRule.get(ConversionRule.version == 2)
    first = ConversionRule.get_by_id(second.lineage)
    assert (first.status, second.status, first.code) == (RuleStatus.SUPERSEDED, RuleStatus.PUBLISHED, second.code)
    assert first.applications.count() >= 1  # a conversion judged by version 1
    flagged = list(LearnerAchievement.select().where(LearnerAchievement.duplicate_of.is_null(False)))
    assert len(flagged) == 1 and flagged[0].learner_id != LearnerAchievement.get_by_id(flagged[0].duplicate_of).learner_id


def test_step_12_makes_the_code_unique_per_version(app):
    """A version-10 database has a unique index on the code alone: step 12 replaces it."""
    import migrations
    from models import SchemaVersion
    from services.core import database

    db.execute_sql('DROP INDEX IF EXISTS "conversion_rule_code_version"')
    db.execute_sql('CREATE UNIQUE INDEX "conversion_rule_code" ON "conversion_rule" ("code")')
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=10)
    try:
        assert database.init_db() == migrations.LATEST
        indexes = {index.name: index for index in db.get_indexes("conversion_rule")}
        assert "conversion_rule_code" not in indexes
        assert indexes["conversion_rule_code_version"].unique
    finally:
        SchemaVersion.delete().execute()
        SchemaVersion.create(version=migrations.LATEST)


def test_step_12_adds_the_version_column_while_applications_refer_to_rules(app, reference):
    """The NOT NULL ``version`` column is added in place: rebuilding the table (peewee's way
    on SQLite) is refused while an application refers to one of its rules."""
    import pytest

    from models import Application, ApplicationKind

    if "postgres" in type(db.obj).__name__.lower():
        pytest.skip("PostgreSQL adds the column in place anyway")
    catalogue_achievement = factories.make_catalogue()
    rule = factories.make_rule([catalogue_achievement], [factories.make_catalogue("course")])
    learner = factories.make_learner()
    Application.create(kind=ApplicationKind.CONVERSION, learner=learner, rule=rule,
                       achievement=factories.make_achievement(learner, catalogue_achievement))
    db.execute_sql('DROP INDEX "conversion_rule_code_version"')
    db.execute_sql('ALTER TABLE "conversion_rule" DROP COLUMN "version"')
    v12_rule_versions_and_duplicates.upgrade(migrator())
    assert ConversionRule.get_by_id(rule.id).version == 1
    assert Application.select().where(Application.rule == rule.id).count() == 1
