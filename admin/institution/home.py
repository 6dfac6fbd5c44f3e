"""机构账户中心, the institution space's home (seed 004 ch. 2): the service entries and the
account overview, or, before the center's 审核通过, where the registration stands."""
from flask import redirect, url_for
from flask_login import current_user
from peewee import fn

from admin.base import home_for
from admin.institution.base import UNFINISHED
from models import (
    CatalogueAchievement,
    Category,
    CategoryKind,
    ConversionRule,
    InstitutionStatus,
    LearnerAchievement,
    Permission,
    RuleStatus,
)
from services.accounts import permissions
from services.core import figures


def _kind_counts(query, category_field):
    """Counts of ``query`` rows per category kind: total, non-degree, degree."""
    rows = dict(
        query.join(Category, on=(category_field == Category.id))
        .select(Category.kind, fn.COUNT(Category.id))
        .group_by(Category.kind)
        .tuples()
    )
    degree = rows.get(CategoryKind.DEGREE, 0)
    return {"total": sum(rows.values()), "non_degree": sum(rows.values()) - degree, "degree": degree}


@home_for(permissions.INSTITUTION, permissions.SUBUSER)
def institution_home(view):
    """机构账户中心: the three service entries and the account overview, each count a link."""
    institution = current_user.institution
    if institution.status in UNFINISHED:
        return registration_state(view, institution)
    can = lambda permission: permissions.has_permission(current_user, permission)  # noqa: E731
    # A sub-user sees the counts of the menus granted to them only, never another menu's.
    achievements = can(Permission.ACHIEVEMENTS) and _kind_counts(
        CatalogueAchievement.select().where(CatalogueAchievement.institution == institution.id),
        CatalogueAchievement.category,
    )
    # The institution's stored learner achievements can be hundreds of thousands.
    learner_achievements = can(Permission.LEARNER_ACHIEVEMENTS) and figures.cached(
        ("institution_stored", institution.id),
        lambda: _kind_counts(
            LearnerAchievement.select().where(LearnerAchievement.stored_by == institution.id),
            LearnerAchievement.category,
        ),
    )
    # An earlier version of a changed rule is history, not a rule of its own.
    rule_rows = dict(
        ConversionRule.select(ConversionRule.status, fn.COUNT(ConversionRule.id))
        .where(ConversionRule.institution == institution.id, ConversionRule.status != RuleStatus.SUPERSEDED)
        .group_by(ConversionRule.status)
        .tuples()
    )
    rules = {
        "total": sum(rule_rows.values()),
        "draft": rule_rows.get(RuleStatus.DRAFT, 0),
        "published": rule_rows.get(RuleStatus.PUBLISHED, 0),
        "withdrawn": rule_rows.get(RuleStatus.WITHDRAWN, 0),
    }
    return view.render(
        "admin/institution/home.html",
        institution=institution,
        achievements=achievements,
        learner_achievements=learner_achievements,
        rules=rules,
        rules_endpoint="inst_rules.index_view" if permissions.has_permission(current_user, Permission.RULES) else None,
        can=can,
    )


def registration_state(view, institution):
    """Before 审核通过: a draft resumes at the step reached, a refusal says why and goes back
    to the form, a submitted registration says that it waits for the center."""
    if institution.status == InstitutionStatus.PENDING or not permissions.is_institution_account(current_user):
        return view.render("admin/institution/pending.html", institution=institution)
    return redirect(resume_url(institution))  # a refusal shows its reason above the form


def resume_url(institution):
    """Where a saved registration resumes: the step reached (机构信息 once 注册人信息 was submitted)."""
    draft = institution.registration_draft or {}
    if draft.get("reached") == "info" or institution.status == InstitutionStatus.REFUSED:
        return url_for("institution.register_info")
    return url_for("institution.register_registrant")
