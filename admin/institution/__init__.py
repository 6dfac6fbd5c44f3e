"""The institution space (院校空间, SPEC §9, seed 004 ch. 2): the 机构账户中心 home and the
base every institution view shares. Each view is scoped to the user's own institution
through ``permissions.scope_by_institution``; sub-users see only the menus granted to them
(the view's ``permission``). The areas live in ``admin/institution/``."""
import datetime as dt

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import fn

from admin.base import SecureModelView, SecureView, home_for
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
from services import figures, permissions

MENU_MANAGE = _l("Achievements and learners")
# The space opens after the center's 审核通过 (issue 17) and closes when disabled.
CLOSED_STATUSES = frozenset({InstitutionStatus.DRAFT, InstitutionStatus.PENDING, InstitutionStatus.REFUSED,
                             InstitutionStatus.DISABLED})
UNFINISHED = frozenset({InstitutionStatus.DRAFT, InstitutionStatus.PENDING, InstitutionStatus.REFUSED})
MENU_ACCOUNT = _l("Account management")


def current_institution_id():
    return current_user.institution_id


class InstitutionAccess:
    """Institution accounts and their sub-users; a sub-user needs ``permission``. The
    space opens once the registration is complete and while the institution is active."""

    roles = permissions.INSTITUTION_USERS

    def is_accessible(self):
        return super().is_accessible() and current_user.institution.status not in CLOSED_STATUSES

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated and permissions.is_institution_account(current_user) and (
            current_user.institution.status in UNFINISHED
        ):
            return redirect(url_for("admin.index"))  # the home says what is missing
        return super().inaccessible_callback(name, **kwargs)


class InstitutionPage(InstitutionAccess, SecureView):
    """A custom page of the institution space."""


class InstitutionModelView(InstitutionAccess, SecureModelView):
    """A list of the institution's own rows: ``scope_field`` names the institution column.

    ``list_args`` are extra query arguments (links from the home page and from other
    lists, e.g. ``?kind=degree``) that ``narrow`` applies on top of the scope."""

    scope_field = None
    list_args = ()
    can_create = False
    can_edit = False
    list_template = "admin/institution/_list.html"

    def scope(self, query):
        return permissions.scope_by_institution(query, self.scope_field, current_user)

    def narrow(self, query, args):
        return query

    def list_arguments(self):
        return {key: request.args.get(key) for key in self.list_args if request.args.get(key)}

    def get_query(self):
        return self.narrow(super().get_query(), self.list_arguments())

    def get_count_query(self):
        return self.narrow(super().get_count_query(), self.list_arguments())

    def search_placeholder(self):
        """What the search box searches (Flask-Admin's default shows "None")."""
        return " / ".join(str(self.column_labels.get(name, name)) for name in self.column_searchable_list or ())


def year_options():
    today = dt.date.today()
    return [(str(year), str(year)) for year in range(today.year, today.year - 10, -1)]


def in_year(field, value):
    """``field`` (a date-time) falls in the year ``value``; a range keeps the index usable."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return field.is_null(True) & field.is_null(False)
    return (field >= dt.datetime(year, 1, 1)) & (field < dt.datetime(year + 1, 1, 1))


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
    # A sub-user sees the counts of the menus granted to them only (issue 17).
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
    rule_rows = dict(
        ConversionRule.select(ConversionRule.status, fn.COUNT(ConversionRule.id))
        .where(ConversionRule.institution == institution.id)
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
    from views.institution import resume_url

    if institution.status == InstitutionStatus.PENDING or not permissions.is_institution_account(current_user):
        return view.render("admin/institution/pending.html", institution=institution)
    return redirect(resume_url(institution))  # a refusal shows its reason above the form


def register(admin):
    from admin.institution import account, achievements, batch, learners, records, reviews, rules, service, tokens

    areas = (achievements, learners, rules, service, reviews, records, batch, account, tokens)
    for area in areas:
        area.register(admin)
