"""Applications, the one writer of ``Application`` rows: a learner's 提交认定, 申请转换 and
业绩类 提交转换, an institution's 批量发起, and a learner taking back an application that is
still waiting for its first decision (SPEC §6, §8).

One application per achievement and rule lineage (or performance target) stands at a
time: a second is refused while one is open, passed, or passed and revoked since; a
refused or withdrawn one leaves the way open.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from peewee import ModelSelect, Value, fn
from werkzeug.datastructures import FileStorage

from models import (
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    ConversionBatch,
    ConversionRule,
    Institution,
    LearnerAchievement,
    Permission,
    ReviewRecord,
    RuleSource,
    User,
    now,
)
from services.accounts import permissions
from services.core import audit, transitions
from services.core.database import transaction
from services.files import storage
from services.ledger import rule_versions
from services.ledger.common import BLOCKING, CONVERTIBLE, RECOGNISABLE
from services.messaging.notify import link_to, notify
from services.records.errors import Message, Refused, require

ALREADY_APPLIED = _l("You have already applied for this conversion")
ALREADY_REVOKED = _l("This conversion was revoked; it cannot be applied for again")
NOT_WITHDRAWABLE = _l("Only an application waiting for its first review can be withdrawn")


# --- learner submissions -------------------------------------------------------------------


def submit_recognition(achievement: LearnerAchievement, learner: User) -> Application:
    """认定成果申请 → 提交认定: 未申请 / 认定未通过 → 认定中."""
    require(achievement.learner_id == learner.id, _l("This is not your achievement"))
    with transaction():
        transitions.move(achievement, AchievementStatus.UNDER_REVIEW, expected=RECOGNISABLE, error=Refused,
                         refusal=_l("This achievement cannot be submitted for recognition now"))
        application = Application.create(
            kind=ApplicationKind.RECOGNITION, learner=learner, achievement=achievement,
            teaching_point=learner.teaching_point_id,
        )
        audit.record("recognition_submitted", application, user=learner)
    return application


def blocking_application(achievement_id: int, **match: Any) -> Application | None:
    """The application that stands in the way of another for the same achievement and
    ``match`` (rule=lineage ids, or target=id), or None."""
    query = Application.select().where(Application.achievement == achievement_id, Application.status.in_(BLOCKING))
    for name, value in match.items():
        column = getattr(Application, name)
        query = query.where(column.in_(value) if hasattr(value, "sql") or isinstance(value, list) else column == value)
    return query.order_by(Application.id.desc()).first()


def _require_unused(achievement: LearnerAchievement, **match: Any) -> None:
    blocking = blocking_application(achievement.id, **match)
    if blocking is not None:
        raise Refused(ALREADY_REVOKED if blocking.status == ApplicationStatus.REVOKED else ALREADY_APPLIED)


def usable_rules(achievement: LearnerAchievement) -> ModelSelect[ConversionRule]:
    """Rules in force the achievement may still be applied with (the apply dialog's
    choices): applicable to it, and no standing application under any of their versions."""
    version = ConversionRule.alias("version")
    used = (Application.select(fn.COALESCE(version.lineage, version.id))
            .join(version, on=(version.id == Application.rule))
            .where(Application.achievement == achievement.id, Application.status.in_(BLOCKING)))
    return ConversionRule.applicable_to(achievement).where(
        fn.COALESCE(ConversionRule.lineage, ConversionRule.id).not_in(used))


def submit_conversion(achievement: LearnerAchievement, rule: ConversionRule, learner: User,
                      files: Iterable[FileStorage | None] = ()) -> Application:
    """转换成果申请 → 申请转换 with a rule in force whose source the achievement is."""
    require(achievement.learner_id == learner.id, _l("This is not your achievement"))
    require(achievement.status in CONVERTIBLE, _l("Only recognised achievements can be converted"))
    require(not achievement.category.is_informal, _l("Performance achievements use the performance conversion"))
    refusal = rule_versions.not_in_force_reason(rule)
    require(refusal is None, refusal)
    applicable = achievement.catalogue_id is not None and RuleSource.select().where(
        RuleSource.rule == rule.id, RuleSource.catalogue == achievement.catalogue_id).exists()
    require(applicable, _l("This rule does not apply to the achievement"))
    with transaction():
        _require_unused(achievement, rule=rule_versions.lineage_rules(rule))
        application = Application.create(
            kind=ApplicationKind.CONVERSION, learner=learner, achievement=achievement, rule=rule,
            teaching_point=learner.teaching_point_id,
        )
        for file in files:
            if file and file.filename:
                storage.save_upload(file, "application", application.id, purpose="material", user=learner)
        audit.record("conversion_submitted", application, user=learner, rule=rule.code)
    return application


def submit_performance(achievement: LearnerAchievement, target: CatalogueAchievement, learner: User) -> Application:
    """业绩类成果转换申请: a recognised informal achievement → a chosen catalogue target."""
    require(achievement.learner_id == learner.id, _l("This is not your achievement"))
    require(achievement.category.is_informal and achievement.status == AchievementStatus.RECOGNISED,
            _l("Only recognised performance achievements can be submitted"))
    require(not target.disabled, _l("This catalogue achievement is disabled"))
    with transaction():
        _require_unused(achievement, target=target.id)
        application = Application.create(
            kind=ApplicationKind.PERFORMANCE, learner=learner, achievement=achievement, target=target,
            teaching_point=learner.teaching_point_id,
        )
        audit.record("performance_submitted", application, user=learner, target=target.id)
    return application


def withdraw_application(application: Application, learner: User) -> Application:
    """The learner takes back an application before its first decision: reviewers no
    longer see it, and the achievement may be applied with again."""
    require(permissions.may_withdraw_application(learner, application), _l("This is not your application"))
    decided = ReviewRecord.select().where(ReviewRecord.application == application.id).exists()
    require(not decided, NOT_WITHDRAWABLE)
    with transaction():
        transitions.move(application, ApplicationStatus.WITHDRAWN, expected=(ApplicationStatus.PENDING,),
                         changes={"withdrawn_at": now()}, refusal=NOT_WITHDRAWABLE, error=Refused,
                         audit="application_withdrawn", user=learner)
        if application.kind == ApplicationKind.RECOGNITION:
            transitions.move(LearnerAchievement, AchievementStatus.NOT_APPLIED,
                             expected=(AchievementStatus.UNDER_REVIEW,),
                             where=[LearnerAchievement.id == application.achievement_id])
    return application


# --- institution batches ---------------------------------------------------------------------


def batch_sources(institution_id: int, rule_id: int) -> ModelSelect[RuleSource]:
    """The rule's sources that are catalogue achievements of ``institution_id``."""
    return (
        RuleSource.select(RuleSource.catalogue)
        .join(CatalogueAchievement)
        .where(RuleSource.rule == rule_id, CatalogueAchievement.institution == institution_id)
    )


def batch_holders(institution_id: int, rule_id: int) -> ModelSelect[LearnerAchievement]:
    """Achievements the institution stored for its learners that are a source of the rule
    from its own catalogue and may be converted: whom it may batch under the rule."""
    return LearnerAchievement.select().where(
        LearnerAchievement.stored_by == institution_id,
        LearnerAchievement.catalogue.in_(batch_sources(institution_id, rule_id)),
        LearnerAchievement.status.in_(list(CONVERTIBLE)),
    )


def applied_under(rule: ConversionRule) -> ModelSelect[Application]:
    """Learners one of whose applications under the rule's lineage stands (open, passed or
    revoked): a batch skips them."""
    return Application.select(Application.learner).where(
        Application.rule.in_(rule_versions.lineage_rules(rule)), Application.status.in_(BLOCKING))


def _ids_of(achievements: Any) -> ModelSelect[LearnerAchievement] | list[int]:
    """A subquery of achievement ids from a query, or the ids of a list of rows / ids."""
    if hasattr(achievements, "sql"):
        return achievements.select(LearnerAchievement.id)
    return [getattr(a, "id", a) for a in achievements]


def submit_batch(institution: Institution, rule: ConversionRule,
                 achievements: ModelSelect[LearnerAchievement] | Iterable[LearnerAchievement | int],
                 user: User) -> ConversionBatch:
    """批量发起成果转换申请 for learners the institution stored who hold the rule's source
    (``achievements``: a query or rows). Set-based: a constant number of queries whatever
    the number of learners. Learners who already applied under the rule are skipped; the
    batch carries ``created`` and ``skipped``."""
    require(permissions.acts_for(user, institution.id), _l("You may not apply for this institution"))
    refusal = rule_versions.not_in_force_reason(rule)
    require(refusal is None, refusal)
    require(rule.institution_id != institution.id, _l("An institution cannot apply under its own rule"))
    chosen = _ids_of(achievements)
    eligible = batch_holders(institution.id, rule.id).where(LearnerAchievement.id.in_(chosen))
    if not hasattr(chosen, "sql"):
        require(eligible.count() == len(set(chosen)), _l("Some selected learners do not hold a source of this rule"))
    with transaction():
        learners = eligible.select(fn.COUNT(fn.DISTINCT(LearnerAchievement.learner))).scalar()
        require(learners, _l("No learner of your institution holds a source of this rule"))
        batch = ConversionBatch.create(institution=institution, rule=rule, created_by=user)
        # One application per learner (the first source achievement they hold), in one INSERT … SELECT.
        rows = (
            eligible.select(
                Value(ApplicationKind.BATCH), LearnerAchievement.learner, fn.MIN(LearnerAchievement.id),
                Value(rule.id), Value(batch.id), User.teaching_point, Value(ApplicationStatus.PENDING),
                Value(now(), converter=Application.submitted_at.db_value), Value(rule.institution_id),
                Value(institution.id),
            )
            .join(User, on=(LearnerAchievement.learner == User.id))
            .where(LearnerAchievement.learner.not_in(applied_under(rule)))
            .group_by(LearnerAchievement.learner, User.teaching_point)
        )
        fields = [Application.kind, Application.learner, Application.achievement, Application.rule,
                  Application.batch, Application.teaching_point, Application.status, Application.submitted_at,
                  Application.receiver, Application.initiator]
        Application.insert_from(rows, fields).execute()
        batch.created = Application.select().where(Application.batch == batch.id).count()
        batch.skipped = learners - batch.created
        require(batch.created, _l("Every selected learner has already applied under this rule"))
        audit.record("batch_submitted", batch, user=user, rule=rule.code, applications=batch.created,
                     skipped=batch.skipped)
        notify_institution(
            rule.institution_id, Permission.REVIEWS, _l("New batch conversion to review"),
            _l("%(institution)s applied to convert the achievements of %(count)s learners under your rule %(rule)s.",
               institution=institution.name, count=batch.created, rule=rule.code),
            link_to("inst_conv_batches.review_view", batch_id=batch.id),
        )
    return batch


def notify_institution(institution_id: int, permission: str, title: Message, body: Message, link: str) -> None:
    """Tell an institution's main accounts and the sub-users who have the menu concerned."""
    for account in permissions.menu_holders(institution_id, permission):
        notify(account, title, body, link=link)
