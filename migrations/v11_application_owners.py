"""Version 11: each application names the institution whose rule it is (receiver), the
one whose batch it is (initiator) and the last stage that decided it (decided_stage),
indexed with the lists' order."""
from peewee import CharField, ForeignKeyField

from migrations.tools import add_missing_columns, add_missing_index
from models import Institution, db

VERSION = 11

INDEXES = [("application", ("receiver_id", "submitted_at")),
           ("application", ("receiver_id", "kind", "status", "submitted_at")),
           ("application", ("initiator_id", "submitted_at")),
           ("application", ("kind", "submitted_at", "decided_stage", "id")),
           ("application", ("teaching_point_id", "kind", "submitted_at", "decided_stage", "id"))]


def upgrade(migrator):
    add_missing_columns(migrator, "application", {
        "receiver_id": ForeignKeyField(Institution, null=True, field=Institution.id, on_delete="RESTRICT", index=False),
        "initiator_id": ForeignKeyField(Institution, null=True, field=Institution.id, on_delete="RESTRICT", index=False),
    })
    db.execute_sql('UPDATE "application" SET "receiver_id" = (SELECT "institution_id" FROM "conversion_rule" '
                   'WHERE "conversion_rule"."id" = "application"."rule_id") WHERE "rule_id" IS NOT NULL')
    db.execute_sql('UPDATE "application" SET "initiator_id" = (SELECT "institution_id" FROM "conversion_batch" '
                   'WHERE "conversion_batch"."id" = "application"."batch_id") WHERE "batch_id" IS NOT NULL')
    add_missing_columns(migrator, "application", {"decided_stage": CharField(max_length=20, null=True)})
    db.execute_sql('UPDATE "application" SET "decided_stage" = (SELECT "stage" FROM "review_record" '
                   'WHERE "review_record"."application_id" = "application"."id" '
                   'ORDER BY "created_at" DESC, "id" DESC LIMIT 1)')
    for table, columns in INDEXES:
        add_missing_index(migrator, table, columns)
