"""What a passed conversion grants: the target achievements added to the learner's account
(来源 转换获得, 已认定, ``granted_by`` the application), the certificate code minted once, and
the learner's notice (SPEC §8). ``grant`` for one application, ``grant_many`` set-based for
an institution's batch decision."""
from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from peewee import PostgresqlDatabase

from models import (
    AchievementSource,
    AchievementStatus,
    Application,
    CatalogueAchievement,
    Institution,
    LearnerAchievement,
    RuleTarget,
    db,
    now,
)
from services.core import bulk, transitions
from services.messaging.notify import link_to, notify_many
from services.records.errors import Message

REGRANTABLE = (AchievementStatus.WITHDRAWN, AchievementStatus.REVOKED)
CODE_CHUNK = 5000  # 10 000 parameters a statement, well below SQLite's 32 766


def mint_code() -> str:
    """A conversion certificate's verification code: 64 random bits, unguessable."""
    return secrets.token_hex(8).upper()


def targets_of_rules(rule_ids: Iterable[int]) -> dict[int, list[CatalogueAchievement]]:
    """{rule id: [target CatalogueAchievement with its institution]} in one query."""
    by_rule: dict[int, list[CatalogueAchievement]] = {rule_id: [] for rule_id in rule_ids}
    if by_rule:
        rows = (RuleTarget.select(RuleTarget, CatalogueAchievement, Institution)
                .join(CatalogueAchievement).join(Institution)
                .where(RuleTarget.rule.in_(list(by_rule))).order_by(RuleTarget.id))
        for row in rows:
            by_rule[row.rule_id].append(row.catalogue)
    return by_rule


def targets_of(application: Application) -> list[CatalogueAchievement]:
    """The catalogue achievements a pass of ``application`` grants."""
    if application.target_id:
        return [cast(CatalogueAchievement, application.target)]
    rule_id = cast(int, application.rule_id)  # an application without a target has a rule
    return targets_of_rules([rule_id])[rule_id]


def grant(application: Application) -> list[CatalogueAchievement]:
    """Grant one passed application; returns the targets actually added."""
    return grant_many([application], {application.id: targets_of(application)})[application.id]


def grant_many(applications: Sequence[Any], targets: Mapping[int, list[CatalogueAchievement]],
               ) -> dict[int, list[CatalogueAchievement]]:
    """Grant passed ``applications`` (each with ``learner_id``), ``targets`` {application
    id: [catalogue achievements]}: a target the learner does not hold is added; one held but
    withdrawn or revoked since is granted again; one held and standing is left alone. Every
    application gets its certificate code. A fixed number of queries for any number of
    applications. Returns {application id: [targets added]}."""
    moment = now()
    wanted = {(a.learner_id, t.id): a for a in applications for t in targets.get(a.id, [])}
    held: dict[tuple[int, int | None], LearnerAchievement] = {}
    learners = sorted({a.learner_id for a in applications})
    catalogue_achievement_ids = sorted({t.id for ts in targets.values() for t in ts})
    for start in range(0, len(learners), bulk.LOOKUP_CHUNK):
        rows = LearnerAchievement.select(LearnerAchievement.id, LearnerAchievement.learner,
                                         LearnerAchievement.catalogue, LearnerAchievement.status).where(
            LearnerAchievement.learner.in_(learners[start:start + bulk.LOOKUP_CHUNK]),
            LearnerAchievement.catalogue.in_(catalogue_achievement_ids))
        held.update({(row.learner_id, row.catalogue_id): row for row in rows})
    catalogue_achievement_by_id = {t.id: t for ts in targets.values() for t in ts}
    added: dict[int, list[CatalogueAchievement]] = {a.id: [] for a in applications}
    new_rows: list[dict[str, Any]] = []
    regrant: list[tuple[int, int]] = []
    for (learner_id, catalogue_achievement_id), application in wanted.items():
        row = held.get((learner_id, catalogue_achievement_id))
        catalogue_achievement = catalogue_achievement_by_id[catalogue_achievement_id]
        if row is None:
            new_rows.append({"learner": learner_id, "catalogue": catalogue_achievement.id,
                             "category": catalogue_achievement.holder_category_id, "name": catalogue_achievement.name,
                             "institution": catalogue_achievement.institution_id, "granted_by": application.id})
        elif row.status in REGRANTABLE:
            regrant.append((row.id, application.id))
        else:
            continue
        added[application.id].append(catalogue_achievement)
    if new_rows:
        bulk.insert_chunked(LearnerAchievement, new_rows, status=AchievementStatus.RECOGNISED,
                            source=AchievementSource.CONVERSION, obtained_on=moment.date(), fields={},
                            created_at=moment, updated_at=moment)
    for row_id, application_id in regrant:
        transitions.move(
            LearnerAchievement, AchievementStatus.RECOGNISED, where=[LearnerAchievement.id == row_id],
            changes={"withdrawn_reason": None, "withdrawn_at": None, "revoked_reason": None, "revoked_at": None,
                     "updated_at": moment, "source": AchievementSource.CONVERSION, "obtained_on": moment.date(),
                     "granted_by": application_id},
        )
    _mint_codes([a for a in applications if not a.certificate_code])
    return added


def _mint_codes(applications: Sequence[Any]) -> None:
    """One code per application that has none: an UPDATE … FROM (VALUES …) per chunk (a
    join, where a CASE of thousands of branches would be tried row by row)."""
    postgres = isinstance(db.obj, PostgresqlDatabase)
    for start in range(0, len(applications), CODE_CHUNK):
        part = applications[start:start + CODE_CHUNK]
        params: list[Any] = []
        for application in part:
            application.certificate_code = mint_code()
            params += [application.id, application.certificate_code]
        rows = ", ".join([f"({db.param}, {db.param})"] * len(part))
        if postgres:
            sql = (f'UPDATE "application" SET "certificate_code" = v.code FROM (VALUES {rows}) AS v(id, code) '
                   'WHERE "application"."id" = v.id AND "application"."certificate_code" IS NULL')
        else:
            sql = (f'UPDATE "application" SET "certificate_code" = v.column2 FROM (VALUES {rows}) AS v '
                   'WHERE "application"."id" = v.column1 AND "application"."certificate_code" IS NULL')
        db.execute_sql(sql, params)


def passed_notice(source_name: str, target: CatalogueAchievement) -> Message:
    return _l(
        "[Credit Bank] Your application to convert the learning achievement %(source)s into %(institution)s "
        "%(target)s has passed review; %(institution)s %(target)s has been added to your personal learning "
        "account automatically. Log in to the platform to see it.",
        source=source_name, institution=target.institution.name, target=target.name,
    )


def notify_passed(applications: Iterable[Any], added: Mapping[int, list[CatalogueAchievement]]) -> None:
    """Tell each learner what their passed conversion added (inbox + SMS, SPEC §8)."""
    notices = [(a.learner, _l("Conversion passed"), passed_notice(a.achievement.name, target))
               for a in applications for target in added.get(a.id, [])]
    notify_many(notices, link=link_to("learner.conversion"), by_sms=True)
