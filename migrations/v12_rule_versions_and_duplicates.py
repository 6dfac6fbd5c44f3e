"""Version 12: versioned, effective-dated rules — a code is unique per version; rules
published so far are version 1, in force from the day they were published — and the
normalised certificate number of learner achievements with their duplicate flag, filled
for the rows there are (services/duplicates.py)."""
from peewee import CharField, DateField, IntegerField
from playhouse.migrate import migrate

from migrations.tools import add_missing_columns, add_missing_index, is_postgres
from models import db

VERSION = 12


def upgrade(migrator):
    _version_rules(migrator)
    _flag_duplicates(migrator)


def _version_rules(migrator):
    if "version" not in {column.name for column in db.get_columns("conversion_rule")}:
        # In one statement: peewee adds a NOT NULL column in three steps, the last of which
        # rebuilds the table on SQLite — refused while applications refer to its rules.
        db.execute_sql('ALTER TABLE "conversion_rule" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1')
    add_missing_columns(migrator, "conversion_rule", {
        "lineage": IntegerField(null=True),
        "effective_from": DateField(null=True),
        "effective_until": DateField(null=True),
    })
    indexes = {index.name: index for index in db.get_indexes("conversion_rule")}
    if "conversion_rule_code" in indexes and indexes["conversion_rule_code"].unique:
        migrate(migrator.drop_index("conversion_rule", "conversion_rule_code"))
    add_missing_index(migrator, "conversion_rule", ("code", "version"), unique=True)
    add_missing_index(migrator, "conversion_rule", ("lineage",))
    db.execute_sql("UPDATE conversion_rule SET effective_from = CAST(published_at AS DATE) "
                   "WHERE published_at IS NOT NULL AND effective_from IS NULL"
                   if is_postgres() else
                   "UPDATE conversion_rule SET effective_from = date(published_at) "
                   "WHERE published_at IS NOT NULL AND effective_from IS NULL")


def _flag_duplicates(migrator):
    add_missing_columns(migrator, "learner_achievement", {
        "certificate_key": CharField(max_length=100, null=True),
        "duplicate_of": IntegerField(null=True),
    })
    add_missing_index(migrator, "learner_achievement", ("catalogue_id", "certificate_key"))
    for column, name in (("created_at", "learner_achievement_duplicates_by_time"),
                         ("certificate_key", "learner_achievement_duplicates_by_number")):
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "learner_achievement" ("{column}") '
                       "WHERE duplicate_of IS NOT NULL")
    if is_postgres():
        number = "COALESCE(personal_code, CAST(fields AS json) ->> 'certificate_no')"
    else:
        number = "COALESCE(personal_code, json_extract(fields, '$.certificate_no'))"
    db.execute_sql(f"UPDATE learner_achievement SET certificate_key = UPPER(TRIM({number})) "
                   "WHERE catalogue_id IS NOT NULL")
    db.execute_sql("UPDATE learner_achievement SET certificate_key = NULL WHERE certificate_key IN ('', '-', '无', "
                   "'NONE', 'N/A', '/')")
    db.execute_sql(
        "UPDATE learner_achievement SET duplicate_of = (SELECT MIN(earlier.id) FROM learner_achievement earlier"
        " WHERE earlier.catalogue_id = learner_achievement.catalogue_id"
        " AND earlier.certificate_key = learner_achievement.certificate_key AND earlier.id < learner_achievement.id)"
        " WHERE certificate_key IS NOT NULL"
    )
