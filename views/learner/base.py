"""What every page of the learner area under /me/ shares: the ``learner`` blueprint (for
logged-in learners only), the learner's own rows (``own_achievement``/``own_application``:
another learner's id answers 404), the catalogue search, and applications with their
review records."""
from flask import Blueprint, abort
from flask_login import current_user
from peewee import JOIN

from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    ConversionRule,
    Institution,
    LearnerAchievement,
    ReviewRecord,
    RuleTarget,
    User,
)
from services.accounts.permissions import LEARNER, roles_required
from services.core.pagination import paginate
from views.learner.forms import CatalogueSearchForm

bp = Blueprint("learner", __name__, url_prefix="/me")

ACHIEVEMENT_SORTS = {
    "name": LearnerAchievement.name,
    "status": LearnerAchievement.status,
    "obtained": LearnerAchievement.obtained_on,
    "created": LearnerAchievement.created_at,
}
OPEN_STATUSES = (ApplicationStatus.PENDING, ApplicationStatus.INITIAL_PASSED)
GRANTING_KINDS = (ApplicationKind.CONVERSION, ApplicationKind.PERFORMANCE, ApplicationKind.BATCH)


@bp.before_request
@roles_required(LEARNER)
def learners_only():
    """Every page of the area is for logged-in learners (anonymous → login, others → 403)."""
    return None


def me():
    return current_user._get_current_object()


def own_achievement(achievement_id):
    achievement = LearnerAchievement.for_learner(me()).where(LearnerAchievement.id == achievement_id).first()
    if achievement is None:
        abort(404)
    return achievement


def own_application(application_id):
    application = (
        Application.select(Application, LearnerAchievement)
        .join(LearnerAchievement)
        .where(Application.id == application_id, Application.learner == me())
        .first()
    )
    if application is None:
        abort(404)
    return application


def catalogue_query(args, category=None):
    form = CatalogueSearchForm(args)
    return form, CatalogueAchievement.search(
        project=(form.project.data or "").strip() or None,
        name=(form.name.data or "").strip() or None,
        institution=(form.institution.data or "").strip() or None,
        category=category,
    )


def catalogue_page(args, category=None, size=10):
    form, query = catalogue_query(args, category)
    sorts = {"project": CatalogueAchievement.project_name, "name": CatalogueAchievement.name}
    return form, paginate(query, args, sorts, default_sort="project", size=size)


def applications_with_reviews(*conditions):
    """Applications (newest first) with ``.review_list`` filled by one extra query."""
    applications = list(
        Application.select(Application, ConversionRule, CatalogueAchievement)
        .join(ConversionRule, JOIN.LEFT_OUTER, on=(Application.rule == ConversionRule.id))
        .switch(Application)
        .join(CatalogueAchievement, JOIN.LEFT_OUTER, on=(Application.target == CatalogueAchievement.id))
        .where(Application.learner == me(), *conditions)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    )
    return attach_reviews(applications)


def attach_reviews(applications):
    """Fill ``.review_list`` of each application with one query."""
    reviews = {}
    if applications:
        query = (
            ReviewRecord.select(ReviewRecord, User)
            .join(User, JOIN.LEFT_OUTER, on=(ReviewRecord.reviewer == User.id))
            .where(ReviewRecord.application.in_([a.id for a in applications]))
            .order_by(ReviewRecord.created_at, ReviewRecord.id)
        )
        for record in query:
            reviews.setdefault(record.application_id, []).append(record)
    for application in applications:
        application.review_list = reviews.get(application.id, [])
    return applications


def targets_by_rule(applications):
    """目标成果 of each rule among ``applications``: {rule_id: [RuleTarget with catalogue, institution]}."""
    rule_ids = {a.rule_id for a in applications if a.rule_id}
    targets = {}
    if rule_ids:
        query = (
            RuleTarget.select(RuleTarget, CatalogueAchievement, Institution)
            .join(CatalogueAchievement)
            .join(Institution)
            .where(RuleTarget.rule.in_(rule_ids))
            .order_by(RuleTarget.id)
        )
        for target in query:
            targets.setdefault(target.rule_id, []).append(target)
    return targets
