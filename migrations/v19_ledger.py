"""Version 19: the ledger revokes what it granted. Applications and learner achievements
say when and why they were revoked; an application closed because its achievement was
withdrawn (formerly 'cancelled') is 'revoked', and so is a passed conversion whose source
was withdrawn, with the targets it granted, transitively; every passed conversion has its
certificate code (minted at the grant from now on); catalogue entries carry their identity
key, unique per institution (an earlier duplicate keeps its key suffixed with its id, so
the index can hold)."""
import datetime as dt
import json
import secrets
import unicodedata

from peewee import CharField, DateTimeField, TextField

from migrations.tools import add_missing_columns, add_missing_index
from models import db

VERSION = 19


def _identity_key(name, fields):
    """This version's copy of services.records.catalogue.identity_key (frozen here)."""

    def norm(value):
        return unicodedata.normalize("NFKC", str(value or "")).strip().upper()

    code = (fields or {}).get("course_code") or (fields or {}).get("certificate_code") or ""
    return f"{norm(name)}|{norm(code)}"[:320]


def upgrade(migrator):
    add_missing_columns(migrator, "application", {
        "revoked_at": DateTimeField(null=True), "revoked_reason": TextField(null=True),
        "withdrawn_at": DateTimeField(null=True)})
    add_missing_columns(migrator, "learner_achievement", {
        "revoked_at": DateTimeField(null=True), "revoked_reason": TextField(null=True)})
    add_missing_columns(migrator, "catalogue_achievement", {"identity_key": CharField(max_length=320, null=True)})
    param = db.param
    db.execute_sql('UPDATE "application" SET "status" = \'revoked\', "revoked_at" = "decided_at", '
                   '"revoked_reason" = (SELECT "withdrawn_reason" FROM "learner_achievement" '
                   'WHERE "learner_achievement"."id" = "application"."achievement_id") '
                   'WHERE "status" = \'cancelled\'')
    granting = "('conversion', 'performance', 'batch')"
    while True:  # passed conversions resting on a withdrawn or revoked achievement, to a fixpoint
        rows = db.execute_sql(
            'SELECT a.id, s.withdrawn_reason, s.revoked_reason FROM "application" a '
            'JOIN "learner_achievement" s ON s.id = a.achievement_id '
            f"WHERE a.status = 'passed' AND a.kind IN {granting} AND s.status IN ('withdrawn', 'revoked')").fetchall()
        if not rows:
            break
        moment = dt.datetime.now()
        for application_id, withdrawn_reason, revoked_reason in rows:
            reason = withdrawn_reason or revoked_reason
            db.execute_sql(f'UPDATE "application" SET "status" = \'revoked\', "revoked_at" = {param}, '
                           f'"revoked_reason" = {param} WHERE "id" = {param}', (moment, reason, application_id))
            db.execute_sql(f'UPDATE "learner_achievement" SET "status" = \'revoked\', "revoked_at" = {param}, '
                           f'"revoked_reason" = {param} WHERE "granted_by" = {param} AND "status" = \'recognised\'',
                           (moment, reason, application_id))
    missing = db.execute_sql(f'SELECT "id" FROM "application" WHERE "status" IN (\'passed\', \'revoked\') '
                             f'AND "kind" IN {granting} AND "decided_stage" IS NOT NULL '
                             'AND "certificate_code" IS NULL').fetchall()
    for (application_id,) in missing:
        db.execute_sql(f'UPDATE "application" SET "certificate_code" = {param} WHERE "id" = {param}',
                       (secrets.token_hex(8).upper(), application_id))
    seen = set()
    entries = db.execute_sql('SELECT "id", "institution_id", "name", "fields" FROM "catalogue_achievement" '
                             'ORDER BY "id"').fetchall()
    for entry_id, institution_id, name, fields in entries:
        key = _identity_key(name, json.loads(fields) if isinstance(fields, str) else fields)
        if (institution_id, key) in seen:
            key = f"{key[:300]}#{entry_id}"
        seen.add((institution_id, key))
        db.execute_sql(f'UPDATE "catalogue_achievement" SET "identity_key" = {param} WHERE "id" = {param}',
                       (key, entry_id))
    add_missing_index(migrator, "catalogue_achievement", ("institution_id", "identity_key"), unique=True)
