"""Review decisions (SPEC §6, §8): 认定审核, 转换初审, 转换终审, 业绩类转换审核 and an
institution's decision on a batch.

Each decision is a conditional UPDATE on the state it expects, so of two reviewers acting
at once exactly one wins and the other is told (the unique (application, stage) index on
review records backs that up); it writes the review record and an audit entry and notifies
the learner, in one transaction. A batch is decided set-based: a fixed number of queries
for any number of learners.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from peewee import ModelSelect
from werkzeug.datastructures import FileStorage

from models import (
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    ConversionBatch,
    ConversionRule,
    Decision,
    LearnerAchievement,
    Permission,
    ReviewRecord,
    ReviewStage,
    User,
    now,
)
from services.accounts import permissions
from services.core import audit, bulk, transitions
from services.core.database import transaction
from services.files import storage
from services.ledger import grants
from services.ledger.applications import notify_institution
from services.ledger.common import ALREADY_REVIEWED, FALLEN, fresh, why_not_open
from services.messaging.notify import link_to, notify, notify_many
from services.records.errors import Message, Refused, reason_of, require

OPINION_MISSING = _l("Please enter the review opinion")
NOT_PASSED_REASON_MISSING = _l("Please enter the reason for not passing")


def _decide(application: Application, reviewer: User, stage: str, agree: bool, opinion: str | None,
            expected: Sequence[str], passed_status: str) -> str:
    """Shared core of every single decision: move the application, record the review."""
    opinion = reason_of(opinion, OPINION_MISSING)
    require(permissions.can_review(reviewer, application, stage), _l("You may not review this application"))
    require(application.achievement.status not in FALLEN,
            _l("The achievement has been withdrawn by its institution"))
    status = passed_status if agree else ApplicationStatus.REFUSED
    decided: dict[str, Any] = {"decided_stage": stage}
    if status in (ApplicationStatus.PASSED, ApplicationStatus.REFUSED):
        decided["decided_at"] = now()
    try:
        transitions.move(
            application, status, expected=expected, changes=decided, refusal=ALREADY_REVIEWED, error=Refused,
            audit=f"review_{stage}", user=reviewer, decision="agree" if agree else "disagree", opinion=opinion,
        )
    except Refused:
        raise Refused(why_not_open(application.id)) from None
    ReviewRecord.create(application=application, stage=stage, reviewer=reviewer,
                        decision=Decision.AGREE if agree else Decision.DISAGREE, opinion=opinion)
    return opinion


def refused_notice(achievement_name: str, stage: str, opinion: str) -> Message:
    return _l("[Credit Bank] Your application for %(achievement)s did not pass %(stage)s. Opinion: %(opinion)s",
              achievement=achievement_name, stage=ReviewStage.label(stage), opinion=opinion)


def _learner_link(application: Application) -> str:
    endpoints: dict[str, str] = {
        ApplicationKind.RECOGNITION: "learner.recognition",
        ApplicationKind.PERFORMANCE: "learner.performance",
    }
    return link_to(endpoints.get(application.kind, "learner.conversion"))


def _notify_refused(application: Application, stage: str, opinion: str) -> None:
    notify(application.learner, _l("Review not passed"), refused_notice(application.achievement.name, stage, opinion),
           link=_learner_link(application), by_sms=True)


def _pass_and_grant(application: Application) -> None:
    added = grants.grant(application)
    grants.notify_passed([application], {application.id: added})


def decide_recognition(application: Application, reviewer: User, agree: bool, opinion: str | None) -> Application:
    """认定审核: 认定通过 / 认定不通过 by the learner's teaching-point administrator."""
    application = fresh(application)
    require(application.kind == ApplicationKind.RECOGNITION, _l("This is not a recognition application"))
    with transaction():
        opinion = _decide(application, reviewer, ReviewStage.RECOGNITION, agree, opinion,
                          (ApplicationStatus.PENDING,), ApplicationStatus.PASSED)
        outcome = AchievementStatus.RECOGNISED if agree else AchievementStatus.REFUSED
        transitions.move(LearnerAchievement, outcome, expected=(AchievementStatus.UNDER_REVIEW,),
                         where=[LearnerAchievement.id == application.achievement_id])
        if agree:
            notify(application.learner, _l("Recognition passed"),
                   _l("[Credit Bank] Your achievement %(achievement)s has been recognised.",
                      achievement=application.achievement.name),
                   link=link_to("learner.recognition"), by_sms=True)
        else:
            _notify_refused(application, ReviewStage.RECOGNITION, opinion)
    return application


def initial_review(application: Application, reviewer: User, agree: bool, opinion: str | None,
                   files: Iterable[FileStorage | None] = ()) -> Application:
    """转换初审 by the teaching point; may upload complete scans (转换初审材料上传)."""
    application = fresh(application)
    require(application.kind == ApplicationKind.CONVERSION, _l("Only learner conversions have an initial review"))
    with transaction():
        opinion = _decide(application, reviewer, ReviewStage.INITIAL, agree, opinion,
                          (ApplicationStatus.PENDING,), ApplicationStatus.INITIAL_PASSED)
        for file in files:
            if file and file.filename:
                storage.save_upload(file, "application", application.id, purpose="initial_review", user=reviewer)
        if agree:
            text = _l(
                "[Credit Bank] Your application to convert the learning achievement %(source)s into the learning "
                "achievement %(target)s has passed the initial review and entered the final review.",
                source=application.achievement.name,
                target="、".join(t.name for t in grants.targets_of(application)),
            )
            notify(application.learner, _l("Initial review passed"), text, link=link_to("learner.conversion"),
                   by_sms=True)
        else:
            _notify_refused(application, ReviewStage.INITIAL, opinion)
    return application


def _last_stage(application: Application, reviewer: User, agree: bool, opinion: str | None, stage: str,
                expected: Sequence[str]) -> Application:
    """A decision that ends an application: a pass grants its targets, a refusal is told."""
    with transaction():
        opinion = _decide(application, reviewer, stage, agree, opinion, expected, ApplicationStatus.PASSED)
        if agree:
            _pass_and_grant(application)
        else:
            _notify_refused(application, stage, opinion)
    return application


def final_review(application: Application, reviewer: User, agree: bool, opinion: str | None) -> Application:
    """转换终审; a pass adds the rule's targets to the learner's account."""
    application = fresh(application)
    require(application.kind == ApplicationKind.CONVERSION, _l("This is not a learner conversion"))
    require(application.status != ApplicationStatus.PENDING, _l("The initial review of this application is not finished"))
    return _last_stage(application, reviewer, agree, opinion, ReviewStage.FINAL, (ApplicationStatus.INITIAL_PASSED,))


def performance_review(application: Application, reviewer: User, agree: bool, opinion: str | None) -> Application:
    """业绩类转换审核: one stage, by a committee member."""
    application = fresh(application)
    require(application.kind == ApplicationKind.PERFORMANCE, _l("This is not a performance conversion"))
    return _last_stage(application, reviewer, agree, opinion, ReviewStage.PERFORMANCE, (ApplicationStatus.PENDING,))


# --- an institution's batch -------------------------------------------------------------


def batch_title(batch: ConversionBatch) -> str:
    """批次: "<initiator><date> 批量学员转换", as the manual names a batch."""
    return str(_l("%(institution)s %(date)s batch learner conversion",
                  institution=batch.institution.name, date=batch.created_at.strftime("%Y-%m-%d")))


def _claim(batch: ConversionBatch, agree: bool, application_ids: ModelSelect[Any] | Iterable[int | str] | None,
           moment: dt.datetime) -> list[int]:
    """Move the chosen pending applications of the batch (all when none are named) whose
    achievement still stands, in one conditional UPDATE … RETURNING: what another reviewer
    decided first, or the learner lost meanwhile, is not among the rows returned."""
    standing = LearnerAchievement.select(LearnerAchievement.id).where(LearnerAchievement.status.not_in(FALLEN))
    conditions = [Application.batch == batch.id, Application.achievement.in_(standing)]
    if hasattr(application_ids, "sql"):  # a query (never truth-tested: that would run it)
        conditions.append(Application.id.in_(application_ids))
    elif application_ids:
        conditions.append(Application.id.in_([int(i) for i in application_ids]))
    status = ApplicationStatus.PASSED if agree else ApplicationStatus.REFUSED
    changes = {"decided_stage": ReviewStage.BATCH, "decided_at": moment}
    return transitions.move_each(Application, status, expected=(ApplicationStatus.PENDING,), where=conditions,
                                 changes=changes)


def _decided_rows(ids: Sequence[int]) -> list[SimpleNamespace]:
    """What granting and telling need of each decided application, read as plain tuples:
    building full model rows (with every column of the learner) costs more than the rest
    of a decision of thousands."""
    query = (Application.select(Application.id, Application.learner, Application.certificate_code,
                                LearnerAchievement.name, User.phone, User.locale)
             .join(LearnerAchievement).switch(Application).join(User, on=(Application.learner == User.id))
             .where(Application.id.in_(ids)).tuples())
    return [SimpleNamespace(id=i, learner_id=learner, certificate_code=code, achievement=SimpleNamespace(name=name),
                            learner=SimpleNamespace(id=learner, phone=phone, locale=locale))
            for i, learner, code, name, phone, locale in cast(Iterable[tuple[Any, ...]], query)]


def review_batch(batch: ConversionBatch, reviewer: User, agree: bool, reason: str | None,
                 application_ids: ModelSelect[Any] | Iterable[int | str] | None = None) -> int:
    """转换申请审核 › 机构发起: pass or fail the chosen applications of the batch (ids or a
    query of ids; none = all). Each row is decided once even when two reviewers act at
    once; the call fails when nothing was left to decide. Returns the number decided."""
    reason = reason_of(reason, None if agree else NOT_PASSED_REASON_MISSING)
    rule = ConversionRule.get_by_id(batch.rule_id)
    require(permissions.can_review(reviewer, Application(rule=rule), ReviewStage.BATCH),
            _l("You may not review this application"))
    opinion = reason or str(_l("Passed"))
    moment = now()
    with transaction():
        decided = _claim(batch, agree, application_ids, moment)
        require(decided, ALREADY_REVIEWED)
        decision = Decision.AGREE if agree else Decision.DISAGREE
        bulk.insert_chunked(ReviewRecord, ({"application": i} for i in decided), stage=ReviewStage.BATCH,
                            reviewer=reviewer.id, decision=decision, opinion=opinion, created_at=moment)
        audit.record_many(f"review_{ReviewStage.BATCH}", "Application", decided, user=reviewer,
                          decision="agree" if agree else "disagree", opinion=opinion)
        applications = _decided_rows(decided)
        if agree:
            targets = grants.targets_of_rules([rule.id])[rule.id]
            added = grants.grant_many(applications, {a.id: targets for a in applications})
            grants.notify_passed(applications, added)
        else:
            notify_many([(a.learner, _l("Review not passed"), refused_notice(a.achievement.name, ReviewStage.BATCH,
                                                                              opinion)) for a in applications],
                        link=link_to("learner.conversion"), by_sms=True)
            ConversionBatch.update(reason=reason).where(ConversionBatch.id == batch.id).execute()
        outcome = _l("passed") if agree else _l("not passed")
        notify_institution(
            batch.institution_id, Permission.RECORDS, _l("Batch conversion reviewed"),
            _l("%(institution)s reviewed %(count)s applications of the batch %(batch)s: %(outcome)s.",
               institution=rule.institution.name, count=len(decided), batch=batch_title(batch), outcome=outcome),
            link_to("inst_records_out.index_view"),
        )
    return len(decided)
