"""Every state transition of recognition, conversion and review (SPEC §4, §6, §8).

Each public function is one transaction. The state change itself is a conditional
UPDATE on the expected state (``… WHERE status = expected``), so of two reviewers
deciding the same application at once exactly one wins and the other gets
``WorkflowError(ALREADY_REVIEWED)``; the unique (application, stage) index on review
records backs that up. Each decision writes a review record and an audit entry and
notifies the learner (inbox + SMS with the texts of SPEC §8). Learner views and admin
actions call these functions; the status itself is written by ``services.transitions.move``
along the moves each model declares.
"""
import secrets

from flask_babel import lazy_gettext as _l
from peewee import Value, fn

from models import (
    AchievementSource,
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    ConversionBatch,
    ConversionRule,
    Decision,
    Institution,
    InstitutionStatus,
    LearnerAchievement,
    Permission,
    ReviewRecord,
    ReviewStage,
    RuleSource,
    RuleTarget,
    User,
    now,
)
from services import audit, permissions, rule_versions, storage, transitions
from services.database import transaction
from services.notify import link_to, notify

ALREADY_REVIEWED = _l("This application has already been reviewed by someone else")
MAX_REASON = 500

# Achievements that may be submitted for recognition / conversion.
RECOGNISABLE = (AchievementStatus.NOT_APPLIED, AchievementStatus.REFUSED)
CONVERTIBLE = (AchievementStatus.CATALOGUE, AchievementStatus.RECOGNISED)
OPEN = (ApplicationStatus.PENDING, ApplicationStatus.INITIAL_PASSED)


class WorkflowError(transitions.TransitionRefused):
    """An illegal transition or a missing right; ``str()`` is the message to show."""


# --- helpers -----------------------------------------------------------------------------


def _require(condition, message):
    if not condition:
        raise WorkflowError(message)


def _fresh(application):
    return (
        Application.select(Application, LearnerAchievement)
        .join(LearnerAchievement)
        .where(Application.id == application.id)
        .get()
    )


def _decide(application, reviewer, stage, agree, opinion, expected, passed_status, skip_lost=False):
    """Shared core of every review decision: move the application, record the review.
    With ``skip_lost`` an application someone else decided first returns None instead
    of failing (a batch decision takes what is still open)."""
    opinion = (opinion or "").strip()
    _require(opinion, _l("Please enter the review opinion"))
    _require(len(opinion) <= MAX_REASON, _l("The reason may have at most 500 characters"))
    _require(
        permissions.can_review(reviewer, application, stage),
        _l("You may not review this application"),
    )
    _require(
        application.achievement.status != AchievementStatus.WITHDRAWN,
        _l("The achievement has been withdrawn by its institution"),
    )
    status = passed_status if agree else ApplicationStatus.REFUSED
    decided = {"decided_stage": stage}
    if status in (ApplicationStatus.PASSED, ApplicationStatus.REFUSED):
        decided["decided_at"] = now()
    try:
        transitions.move(
            application, status, expected=expected, changes=decided, refusal=ALREADY_REVIEWED, error=WorkflowError,
            audit=f"review_{stage}", user=reviewer, decision="agree" if agree else "disagree", opinion=opinion,
        )
    except WorkflowError:
        if skip_lost:
            return None
        raise
    ReviewRecord.create(
        application=application,
        stage=stage,
        reviewer=reviewer,
        decision=Decision.AGREE if agree else Decision.DISAGREE,
        opinion=opinion,
    )
    return application


def _target_names(application):
    if application.target_id:
        return [application.target.name]
    targets = RuleTarget.select(RuleTarget, CatalogueAchievement).join(CatalogueAchievement)
    return [t.catalogue.name for t in targets.where(RuleTarget.rule == application.rule_id)]


def _grant_targets(application):
    """A final pass adds the target achievement(s) to the learner's account, once; a target
    the learner held but whose storing institution withdrew it is granted again. Returns
    the targets actually added."""
    if application.target_id:
        targets = [application.target]
    else:
        rows = RuleTarget.select(RuleTarget, CatalogueAchievement).join(CatalogueAchievement)
        targets = [t.catalogue for t in rows.where(RuleTarget.rule == application.rule_id)]
    held = {
        row.catalogue_id: row
        for row in LearnerAchievement.select().where(
            LearnerAchievement.learner == application.learner_id,
            LearnerAchievement.catalogue.in_([t.id for t in targets]),
        )
    }
    granted = {
        "source": AchievementSource.CONVERSION,
        "obtained_on": now().date(),
        "granted_by": application.id,
    }
    added = []
    for target in targets:
        row = held.get(target.id)
        if row is None:
            LearnerAchievement.create(
                learner=application.learner_id,
                catalogue=target,
                category=target.holder_category_id,
                name=target.name,
                institution=target.institution_id,
                status=AchievementStatus.RECOGNISED,
                **granted,
            )
        elif row.status == AchievementStatus.WITHDRAWN:
            transitions.move(
                LearnerAchievement, AchievementStatus.RECOGNISED, where=[LearnerAchievement.id == row.id],
                changes={"withdrawn_reason": None, "withdrawn_at": None, "updated_at": now(), **granted},
            )
        else:
            continue
        added.append(target)
    Application.update(certificate_code=secrets.token_hex(8).upper()).where(Application.id == application.id).execute()
    return added


def _notify_conversion_passed(application, targets):
    source = application.achievement.name
    for target in targets:
        institution = target.institution.name
        text = _l(
            "[Credit Bank] Your application to convert the learning achievement %(source)s into %(institution)s "
            "%(target)s has passed review; %(institution)s %(target)s has been added to your personal learning "
            "account automatically. Log in to the platform to see it.",
            source=source,
            institution=institution,
            target=target.name,
        )
        notify(application.learner, _l("Conversion passed"), text, link=link_to("learner.conversion"), by_sms=True)


def _notify_refused(application, stage, opinion):
    text = _l(
        "[Credit Bank] Your application for %(achievement)s did not pass %(stage)s. Opinion: %(opinion)s",
        achievement=application.achievement.name,
        stage=ReviewStage.label(stage),
        opinion=opinion,
    )
    notify(application.learner, _l("Review not passed"), text, link=_learner_link(application), by_sms=True)


def _learner_link(application):
    return link_to({
        ApplicationKind.RECOGNITION: "learner.recognition",
        ApplicationKind.PERFORMANCE: "learner.performance",
    }.get(application.kind, "learner.conversion"))


# --- achievements --------------------------------------------------------------------------


def initial_status(category, catalogue):
    """SPEC §4: catalogue-based non-informal achievements are recognised on adding."""
    if catalogue is not None and not category.is_informal:
        return AchievementStatus.CATALOGUE
    return AchievementStatus.NOT_APPLIED


def withdraw_achievement(achievement, user, reason, reason_file):
    """撤回 by the storing institution, with a reason and a reason file."""
    reason = (reason or "").strip()
    _require(reason, _l("Please enter the reason for withdrawal"))
    _require(len(reason) <= MAX_REASON, _l("The reason may have at most 500 characters"))
    _require(
        permissions.acts_for(user, achievement.stored_by_id),
        _l("You may not withdraw this achievement"),
    )
    with transaction():
        attachment = storage.save_upload(reason_file, "withdrawal", achievement.id, purpose="withdrawal", user=user)
        transitions.move(
            achievement, AchievementStatus.WITHDRAWN,
            changes={"withdrawn_reason": reason, "withdrawn_at": now(), "updated_at": now()},
            refusal=_l("The achievement has already been withdrawn"), error=WorkflowError,
            audit="achievement_withdrawn", user=user, reason=reason, file=attachment.id,
        )
        # Applications still waiting on it can no longer be decided.
        transitions.move(Application, ApplicationStatus.CANCELLED, expected=OPEN,
                         where=[Application.achievement == achievement.id], changes={"decided_at": now()})
        notify(
            achievement.learner,
            _l("Achievement withdrawn"),
            _l(
                "%(institution)s withdrew your achievement %(achievement)s. Reason: %(reason)s",
                institution=achievement.stored_by.name,
                achievement=achievement.name,
                reason=reason,
            ),
            link=link_to("learner.home"),
            by_sms=True,
        )
    return achievement


# --- recognition ---------------------------------------------------------------------------


def submit_recognition(achievement, learner):
    """认定成果申请 → 提交认定: 未申请 / 认定未通过 → 认定中."""
    _require(achievement.learner_id == learner.id, _l("This is not your achievement"))
    with transaction():
        transitions.move(achievement, AchievementStatus.UNDER_REVIEW, expected=RECOGNISABLE, error=WorkflowError,
                         refusal=_l("This achievement cannot be submitted for recognition now"))
        application = Application.create(
            kind=ApplicationKind.RECOGNITION,
            learner=learner,
            achievement=achievement,
            teaching_point=learner.teaching_point_id,
        )
        audit.record("recognition_submitted", application, user=learner)
    return application


def decide_recognition(application, reviewer, agree, opinion):
    """认定审核: 认定通过 / 认定不通过 by the learner's teaching-point administrator."""
    application = _fresh(application)
    _require(application.kind == ApplicationKind.RECOGNITION, _l("This is not a recognition application"))
    with transaction():
        _decide(application, reviewer, ReviewStage.RECOGNITION, agree, opinion, (ApplicationStatus.PENDING,),
                ApplicationStatus.PASSED)
        outcome = AchievementStatus.RECOGNISED if agree else AchievementStatus.REFUSED
        transitions.move(LearnerAchievement, outcome, expected=(AchievementStatus.UNDER_REVIEW,),
                         where=[LearnerAchievement.id == application.achievement_id])
        if agree:
            notify(
                application.learner,
                _l("Recognition passed"),
                _l("[Credit Bank] Your achievement %(achievement)s has been recognised.",
                   achievement=application.achievement.name),
                link=link_to("learner.recognition"),
                by_sms=True,
            )
        else:
            _notify_refused(application, ReviewStage.RECOGNITION, opinion)
    return application


# --- learner conversion ----------------------------------------------------------------------


def _require_convertible(achievement, learner):
    _require(achievement.learner_id == learner.id, _l("This is not your achievement"))
    _require(achievement.status in CONVERTIBLE, _l("Only recognised achievements can be converted"))


def _require_no_open_application(achievement, **match):
    query = Application.select().where(
        Application.achievement == achievement.id,
        Application.status.in_([*OPEN, ApplicationStatus.PASSED]),
    )
    for field, value in match.items():
        column = getattr(Application, field)
        query = query.where(column.in_(value) if hasattr(value, "sql") else column == value)
    _require(not query.exists(), _l("You have already applied for this conversion"))


def submit_conversion(achievement, rule, learner, files=()):
    """转换成果申请 → 申请转换 with a published rule whose source the achievement is."""
    _require_convertible(achievement, learner)
    _require(not achievement.category.is_informal, _l("Performance achievements use the performance conversion"))
    _require(rule_versions.not_in_force_reason(rule) is None, rule_versions.not_in_force_reason(rule))
    applicable = (
        achievement.catalogue_id is not None
        and RuleSource.select().where(RuleSource.rule == rule.id, RuleSource.catalogue == achievement.catalogue_id).exists()
    )
    _require(applicable, _l("This rule does not apply to the achievement"))
    with transaction():
        _require_no_open_application(achievement, rule=rule_versions.lineage_rules(rule))
        application = Application.create(
            kind=ApplicationKind.CONVERSION,
            learner=learner,
            achievement=achievement,
            rule=rule,
            teaching_point=learner.teaching_point_id,
        )
        for file in files:
            if file and file.filename:
                storage.save_upload(file, "application", application.id, purpose="material", user=learner)
        audit.record("conversion_submitted", application, user=learner, rule=rule.code)
    return application


def initial_review(application, reviewer, agree, opinion, files=()):
    """转换初审 by the teaching point; may upload complete scans (转换初审材料上传)."""
    application = _fresh(application)
    _require(application.kind == ApplicationKind.CONVERSION, _l("Only learner conversions have an initial review"))
    with transaction():
        _decide(application, reviewer, ReviewStage.INITIAL, agree, opinion, (ApplicationStatus.PENDING,),
                ApplicationStatus.INITIAL_PASSED)
        for file in files:
            if file and file.filename:
                storage.save_upload(file, "application", application.id, purpose="initial_review", user=reviewer)
        if agree:
            text = _l(
                "[Credit Bank] Your application to convert the learning achievement %(source)s into the learning "
                "achievement %(target)s has passed the initial review and entered the final review.",
                source=application.achievement.name,
                target="、".join(_target_names(application)),
            )
            notify(application.learner, _l("Initial review passed"), text, link=link_to("learner.conversion"), by_sms=True)
        else:
            _notify_refused(application, ReviewStage.INITIAL, opinion)
    return application


def final_review(application, reviewer, agree, opinion):
    """转换终审; a pass adds the rule's targets to the learner's account."""
    application = _fresh(application)
    _require(application.kind == ApplicationKind.CONVERSION, _l("This is not a learner conversion"))
    _require(
        application.status != ApplicationStatus.PENDING,
        _l("The initial review of this application is not finished"),
    )
    with transaction():
        _decide(application, reviewer, ReviewStage.FINAL, agree, opinion, (ApplicationStatus.INITIAL_PASSED,),
                ApplicationStatus.PASSED)
        if agree:
            _notify_conversion_passed(application, _grant_targets(application))
        else:
            _notify_refused(application, ReviewStage.FINAL, opinion)
    return application


# --- performance conversion ----------------------------------------------------------------


def submit_performance(achievement, target, learner):
    """业绩类成果转换申请: a recognised informal achievement → a chosen catalogue target."""
    _require(achievement.learner_id == learner.id, _l("This is not your achievement"))
    _require(
        achievement.category.is_informal and achievement.status == AchievementStatus.RECOGNISED,
        _l("Only recognised performance achievements can be submitted"),
    )
    _require(not target.disabled, _l("This catalogue achievement is disabled"))
    with transaction():
        _require_no_open_application(achievement, target=target.id)
        application = Application.create(
            kind=ApplicationKind.PERFORMANCE,
            learner=learner,
            achievement=achievement,
            target=target,
            teaching_point=learner.teaching_point_id,
        )
        audit.record("performance_submitted", application, user=learner, target=target.id)
    return application


def performance_review(application, reviewer, agree, opinion):
    """业绩类转换审核: one stage, by a committee member."""
    application = _fresh(application)
    _require(application.kind == ApplicationKind.PERFORMANCE, _l("This is not a performance conversion"))
    with transaction():
        _decide(application, reviewer, ReviewStage.PERFORMANCE, agree, opinion, (ApplicationStatus.PENDING,),
                ApplicationStatus.PASSED)
        if agree:
            _notify_conversion_passed(application, _grant_targets(application))
        else:
            _notify_refused(application, ReviewStage.PERFORMANCE, opinion)
    return application


# --- institution batches ---------------------------------------------------------------------


def batch_title(batch):
    """批次: "<initiator><date> 批量学员转换", as the manual names a batch."""
    return str(_l("%(institution)s %(date)s batch learner conversion",
                  institution=batch.institution.name, date=batch.created_at.strftime("%Y-%m-%d")))


def batch_sources(institution_id, rule_id):
    """The rule's sources that are catalogue achievements of ``institution_id``."""
    return (
        RuleSource.select(RuleSource.catalogue)
        .join(CatalogueAchievement)
        .where(RuleSource.rule == rule_id, CatalogueAchievement.institution == institution_id)
    )


def batch_holders(institution_id, rule_id):
    """Achievements the institution stored for its learners that are a source of the rule
    from its own catalogue and may be converted: whom it may batch under the rule."""
    return LearnerAchievement.select().where(
        LearnerAchievement.stored_by == institution_id,
        LearnerAchievement.catalogue.in_(batch_sources(institution_id, rule_id)),
        LearnerAchievement.status.in_(list(CONVERTIBLE)),
    )


def _ids_of(achievements):
    """A subquery of achievement ids from a query, or the ids of a list of rows / ids."""
    if hasattr(achievements, "sql"):
        return achievements.select(LearnerAchievement.id)
    return [getattr(a, "id", a) for a in achievements]


def submit_batch(institution, rule, achievements, user):
    """批量发起成果转换申请 for learners the institution stored who hold the rule's source
    (``achievements``: a query or rows). Set-based: a constant number of queries whatever
    the number of learners. Learners who already applied under the rule (open or passed)
    are skipped; the batch carries ``created`` and ``skipped``."""
    _require(
        permissions.acts_for(user, institution.id),
        _l("You may not apply for this institution"),
    )
    _require(rule_versions.not_in_force_reason(rule) is None, rule_versions.not_in_force_reason(rule))
    _require(rule.institution_id != institution.id, _l("An institution cannot apply under its own rule"))
    chosen = _ids_of(achievements)
    eligible = batch_holders(institution.id, rule.id).where(LearnerAchievement.id.in_(chosen))
    if not hasattr(chosen, "sql"):
        _require(eligible.count() == len(set(chosen)), _l("Some selected learners do not hold a source of this rule"))
    applied = Application.select(Application.learner).where(
        Application.rule.in_(rule_versions.lineage_rules(rule)), Application.status.in_([*OPEN, ApplicationStatus.PASSED])
    )
    with transaction():
        learners = eligible.select(fn.COUNT(fn.DISTINCT(LearnerAchievement.learner))).scalar()
        _require(learners, _l("No learner of your institution holds a source of this rule"))
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
            .where(LearnerAchievement.learner.not_in(applied))
            .group_by(LearnerAchievement.learner, User.teaching_point)
        )
        fields = [Application.kind, Application.learner, Application.achievement, Application.rule,
                  Application.batch, Application.teaching_point, Application.status, Application.submitted_at,
                  Application.receiver, Application.initiator]
        Application.insert_from(rows, fields).execute()
        batch.created = Application.select().where(Application.batch == batch.id).count()
        batch.skipped = learners - batch.created
        _require(batch.created, _l("Every selected learner has already applied under this rule"))
        audit.record("batch_submitted", batch, user=user, rule=rule.code, applications=batch.created,
                     skipped=batch.skipped)
        _notify_institution(
            rule.institution_id, Permission.REVIEWS, _l("New batch conversion to review"),
            _l("%(institution)s applied to convert the achievements of %(count)s learners under your rule %(rule)s.",
               institution=institution.name, count=batch.created, rule=rule.code),
            link_to("inst_conv_batches.review_view", batch_id=batch.id),
        )
    return batch


def _notify_institution(institution_id, permission, title, body, link):
    """Tell an institution's main accounts and the sub-users who have the menu concerned."""
    for account in permissions.menu_holders(institution_id, permission):
        notify(account, title, body, link=link)


def review_batch(batch, reviewer, agree, reason, application_ids=None):
    """转换申请审核 › 机构发起: pass or fail the chosen applications of the batch (ids or a
    query of ids; none = all). Each decision is conditional on the application still
    pending, so of two reviewers acting at once on the same rows each row is decided
    once; the call fails when nothing was left to decide. Returns the number decided."""
    reason = (reason or "").strip()
    if not agree:
        _require(reason, _l("Please enter the reason for not passing"))
    _require(len(reason) <= MAX_REASON, _l("The reason may have at most 500 characters"))
    rule = ConversionRule.get_by_id(batch.rule_id)
    _require(
        permissions.can_review(reviewer, Application(rule=rule), ReviewStage.BATCH),
        _l("You may not review this application"),
    )
    opinion = reason or str(_l("Passed"))
    with transaction():
        query = (
            Application.select(Application, LearnerAchievement, User)
            .join(LearnerAchievement)
            .switch(Application)
            .join(User, on=(Application.learner == User.id))
            .where(Application.batch == batch.id, Application.status == ApplicationStatus.PENDING)
            .order_by(Application.id)  # one order for every reviewer: no lock cycles
        )
        if hasattr(application_ids, "sql"):  # a query (never truth-tested: that would run it)
            query = query.where(Application.id.in_(application_ids))
        elif application_ids:
            query = query.where(Application.id.in_([int(i) for i in application_ids]))
        decided = 0
        for application in query:
            application.rule = rule
            if _decide(application, reviewer, ReviewStage.BATCH, agree, opinion, (ApplicationStatus.PENDING,),
                       ApplicationStatus.PASSED, skip_lost=True) is None:
                continue
            decided += 1
            if agree:
                _notify_conversion_passed(application, _grant_targets(application))
            else:
                _notify_refused(application, ReviewStage.BATCH, opinion)
        _require(decided, ALREADY_REVIEWED)
        if not agree:
            ConversionBatch.update(reason=reason).where(ConversionBatch.id == batch.id).execute()
        outcome = _l("passed") if agree else _l("not passed")
        _notify_institution(
            batch.institution_id, Permission.RECORDS, _l("Batch conversion reviewed"),
            _l("%(institution)s reviewed %(count)s applications of the batch %(batch)s: %(outcome)s.",
               institution=rule.institution.name, count=decided, batch=batch_title(batch), outcome=outcome),
            link_to("inst_records_out.index_view"),
        )
    return decided


# --- institution registrations (SPEC §5, 004 §1.1) -----------------------------------------


def _registrant(institution):
    """The account created by the registration (the institution's main account)."""
    return permissions.institution_accounts(institution.id).first()


def _decide_registration(institution, user, status, reason, title, text):
    _require(permissions.is_center(user), _l("Only the credit bank center reviews institution registrations"))
    with transaction():
        current = Institution.get_by_id(institution.id)
        draft = dict(current.registration_draft or {})
        draft["review"] = {"status": status, "reason": reason, "at": now().isoformat(sep=" ")}
        transitions.move(
            institution, status, expected=(InstitutionStatus.PENDING,), changes={"registration_draft": draft},
            refusal=_l("This registration has already been reviewed or is not awaiting review"), error=WorkflowError,
            audit=f"institution_{'approved' if status == InstitutionStatus.ACTIVE else 'refused'}", user=user,
            name=institution.name, reason=reason,
        )
        registrant = _registrant(institution)
        if registrant is not None:
            notify(registrant, title, text, link=link_to("admin.index"), by_sms=bool(registrant.phone))
    return institution


def approve_institution(institution, user):
    """审核通过 of a submitted institution registration: the space opens."""
    return _decide_registration(
        institution, user, InstitutionStatus.ACTIVE, None, _l("Institution registration approved"),
        _l("[Credit Bank] The registration of %(name)s has been approved; you can now log in to the institution "
           "space.", name=institution.name),
    )


def refuse_institution(institution, user, reason):
    """不通过, with the reason the registrant reads (SMS and at login) before correcting it."""
    reason = (reason or "").strip()
    _require(reason, _l("Please enter the reason for not passing"))
    _require(len(reason) <= MAX_REASON, _l("The reason may have at most 500 characters"))
    return _decide_registration(
        institution, user, InstitutionStatus.REFUSED, reason, _l("Institution registration not approved"),
        _l("[Credit Bank] The registration of %(name)s was not approved. Reason: %(reason)s. Please log in, "
           "correct the information and submit it again.", name=institution.name, reason=reason),
    )
