"""Every access rule in one place, asked by the Flask-Admin views and the blueprints alike.

Roles: learner, center, reviewer (a teaching point's administrator), committee,
institution (the institution's main account) and subuser (an institution user with a
subset of the institution's menus). Center staff see everything; institution users see
their institution's rows; reviewers see the learners of their teaching point.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, has_request_context, redirect, request, url_for
from flask_login import current_user
from peewee import ColumnBase, Expression, ModelSelect

from models import (
    AccountStatus,
    ApiToken,
    ApiTokenScope,
    Application,
    ApplicationKind,
    Article,
    ArticleStatus,
    Attachment,
    CatalogueAchievement,
    Category,
    ConversionBatch,
    ConversionMethod,
    ConversionRule,
    Feedback,
    ImportBatch,
    InstitutionAuthorisation,
    InstitutionStatus,
    Job,
    LearnerAchievement,
    Permission,
    PublishStatus,
    Role,
    RuleSource,
    RuleStatus,
    User,
    UserPermission,
)
from models.base import BaseModel

LEARNER = Role.LEARNER
CENTER = Role.CENTER
REVIEWER = Role.REVIEWER
COMMITTEE = Role.COMMITTEE
INSTITUTION = Role.INSTITUTION
SUBUSER = Role.SUBUSER
INSTITUTION_USERS = frozenset({INSTITUTION, SUBUSER})
ADMIN_USERS = frozenset({CENTER, REVIEWER, COMMITTEE, INSTITUTION, SUBUSER})

# Whoever a rule is asked about: a signed-in ``User`` (or ``current_user``), an API call's
# ``TokenPrincipal``, the anonymous visitor (no role), or a bare role code — forms and the
# command line ask about a role before the account exists.
Who = Any
View = TypeVar("View", bound=Callable[..., Any])
Query = TypeVar("Query", bound="ModelSelect[Any]")  # a scope narrows a query and returns it


# --- who is who: the only place that compares a role (tests/foundation/test_one_home.py) --


def role_of(who: Who) -> str | None:
    """The role of a user, or ``who`` itself when it is a role already: forms and the
    command line ask about a role before the account exists. Anonymous visitors have none."""
    return getattr(who, "role", who)


def is_learner(who: Who) -> bool:
    return role_of(who) == LEARNER


def is_center(who: Who) -> bool:
    return role_of(who) == CENTER


def is_reviewer(who: Who) -> bool:
    """A teaching point's administrator: bound to one teaching point, whose name signs
    their opinions."""
    return role_of(who) == REVIEWER


def is_institution_account(who: Who) -> bool:
    """An institution's main account (the one that registered): it completes the
    registration and edits 机构信息; sub-users do neither."""
    return role_of(who) == INSTITUTION


def is_institution_user(who: Who) -> bool:
    """An institution's main account or one of its sub-users: they work for one institution."""
    return role_of(who) in INSTITUTION_USERS


def uses_admin(who: Who) -> bool:
    """Staff and institutions work inside the admin shell; learners in their own pages."""
    return role_of(who) in ADMIN_USERS


def institution_of(user: Who) -> int | None:
    """The institution an institution user works for; None for everyone else."""
    return user.institution_id if is_institution_user(user) else None


def acts_for(user: Who, institution_id: int | None) -> bool:
    """May ``user`` act in the name of the institution ``institution_id`` (withdraw what it
    stored, apply for its learners)?"""
    return is_institution_user(user) and user.institution_id == institution_id


def may_edit_institution(user: Who) -> bool:
    """机构信息: every user of the institution reads it; only its main account edits it."""
    return allowed(user, {INSTITUTION})


def decides_reviews(user: Who) -> bool:
    """Center staff oversee the review lists but decide nothing there (``can_review``
    says who decides which stage)."""
    return not is_center(user)


def review_open(user: Who) -> bool:
    """An institution reviews only once its registration is approved and while it is
    active; other reviewers always may."""
    return not is_institution_user(user) or user.institution.status == InstitutionStatus.ACTIVE


# --- accounts of a kind, and who is told -------------------------------------------------


def accounts_of(*roles: str) -> Expression:
    """SQL condition on ``User``: accounts of one of ``roles`` (the lists, counts and
    look-ups of one kind of account)."""
    return User.role == roles[0] if len(roles) == 1 else User.role.in_(list(roles))


def center_staff() -> ModelSelect[Any]:
    """Active center staff: they are told of what waits for the center's review."""
    return User.select().where(accounts_of(CENTER), User.status == AccountStatus.ACTIVE)


def institution_accounts(institution_id: int) -> ModelSelect[Any]:
    """The institution's main account (the registrant), as a query."""
    return User.select().where(User.institution == institution_id, accounts_of(INSTITUTION))


def menu_holders(institution_id: int, permission: str) -> ModelSelect[Any]:
    """The institution's users who have the menu ``permission``: its main account and
    the sub-users granted it (``has_permission`` in SQL)."""
    granted = UserPermission.select(UserPermission.user).where(UserPermission.permission == permission)
    return User.select().where(
        User.institution == institution_id,
        accounts_of(INSTITUTION) | (accounts_of(SUBUSER) & User.id.in_(granted)),
    )


def granted_permissions(user: Who) -> set[str]:
    """The menus granted to a sub-user, read once per request (every menu entry asks)."""
    cache = g.setdefault("granted_permissions", {}) if has_request_context() else {}
    if user.id not in cache:
        rows = UserPermission.select(UserPermission.permission).where(UserPermission.user == user.id)
        cache[user.id] = {row.permission for row in rows}
    return cache[user.id]


def has_permission(user: Who, permission: str | None) -> bool:
    """Institution accounts have every menu; sub-users only those granted to them."""
    if user.role != SUBUSER or permission is None:
        return True
    return permission in granted_permissions(user)


def allowed(user: Who, roles: Collection[str], permission: str | None = None) -> bool:
    """May ``user`` open something meant for ``roles`` (and needing ``permission``)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in roles and has_permission(user, permission)


def home_url(user: Who) -> str:
    """Where each role lands after login."""
    if user.role == LEARNER:
        return url_for("learner.home")
    return url_for("admin.index")


def roles_required(*roles: str, permission: str | None = None) -> Callable[[View], View]:
    """Blueprint decorator: anonymous users go to login, other roles get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path))
            if not allowed(current_user, roles, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]  # wraps keeps the view's signature

    return decorator


# --- row scopes: the same filters serve lists, single records and actions -------------


def scope_by_institution(query: Query, field: ColumnBase, user: Who) -> Query:
    """Rows whose ``field`` is the user's institution; everything for center staff."""
    if user.role == CENTER:
        return query
    if user.role in INSTITUTION_USERS and user.institution_id:
        return query.where(field == user.institution_id)
    return query.where(field.is_null(True) & field.is_null(False))  # nothing


def scope_applications(query: Query, user: Who) -> Query:
    """Applications a reviewer may see: their teaching point's (reviewers), all
    committee-stage work (committee), those under their rules (institutions)."""
    if user.role in (CENTER, COMMITTEE):
        return query
    if user.role == REVIEWER:
        return query.where(Application.teaching_point == user.institution_id)
    if user.role in INSTITUTION_USERS:
        rules = ConversionRule.select(ConversionRule.id).where(ConversionRule.institution == user.institution_id)
        return query.where(Application.rule.in_(rules))
    return query.where(Application.id.is_null())


def _nothing(query: Query, model: type[BaseModel]) -> Query:
    return query.where(model.id.is_null())


def _own_rules(user: Who) -> ModelSelect[Any]:
    return ConversionRule.select(ConversionRule.id).where(ConversionRule.institution == user.institution_id)


def _institution_rows(query: Query, user: Who, model: type[BaseModel],
                      condition: Callable[[Who], Expression]) -> Query:
    """Everything for center staff; for institution users the rows ``condition(user)``
    picks; nothing for anyone else."""
    if user.role == CENTER:
        return query
    if user.role in INSTITUTION_USERS and user.institution_id:
        return query.where(condition(user))
    return _nothing(query, model)


def scope_received(query: Query, user: Who) -> Query:
    """转换记录 › 机构接收 and 转换申请审核: applications under the institution's rules."""
    return _institution_rows(query, user, Application, lambda u: Application.receiver == u.institution_id)


def scope_initiated(query: Query, user: Who) -> Query:
    """转换记录 › 机构发起: the applications of batches the institution initiated."""
    return _institution_rows(query, user, Application, lambda u: Application.initiator == u.institution_id)


def scope_batches(query: Query, user: Who) -> Query:
    """转换申请审核 › 机构发起: batches other institutions submitted under this one's rules."""
    return _institution_rows(query, user, ConversionBatch, lambda u: ConversionBatch.rule.in_(_own_rules(u)))


def _authorised_types(institution_id: int | None) -> Expression:
    """Condition on ``Category``: the types the institution may store, those that need no
    authorisation and those the center authorised it for (机构管理 › 授权)."""
    authorised = InstitutionAuthorisation.select(InstitutionAuthorisation.category).where(
        InstitutionAuthorisation.institution == institution_id
    )
    return ~Category.requires_authorisation | Category.id.in_(authorised)


def storable_types(query: Query, user: Who) -> Query:
    """The categories of ``query`` that ``user`` may store catalogue achievements of: all for
    center staff, the authorised ones for institution users."""
    if is_center(user):
        return query
    return query.where(_authorised_types(user.institution_id))


def may_store_type(institution_id: int | None, category: Category) -> bool:
    """May the institution store catalogue achievements of ``category`` (the same rule as
    ``storable_types``, for one category)?"""
    return not category.requires_authorisation or (
        Category.select().where(Category.id == category.id, _authorised_types(institution_id)).exists()
    )


def batchable_rules(user: Who) -> ModelSelect[Any]:
    """Rules the institution may 申请转换 under for its learners (与我相关的转换规则): other
    institutions' published rules one of whose sources is in this institution's catalogue."""
    if user.role not in INSTITUTION_USERS or not user.institution_id:
        return _nothing(ConversionRule.select(), ConversionRule)
    mine = (
        RuleSource.select(RuleSource.rule)
        .join(CatalogueAchievement)
        .where(CatalogueAchievement.institution == user.institution_id)
    )
    return ConversionRule.in_force().where(
        ConversionRule.institution != user.institution_id,
        ConversionRule.id.in_(mine),
    )


def can_review(user: Who, application: Application, stage: str) -> bool:
    """Who decides which stage: the learner's teaching-point administrator recognises and
    does the initial review; committee members do final and performance reviews (so do
    users of the institution that published the rule, for its final review); the rule's
    institution reviews its institution-initiated batches."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if stage in ("recognition", "initial"):
        return user.role == REVIEWER and application.teaching_point_id == user.institution_id
    rule = application.rule if application.rule_id else None
    rule_institution = rule.institution_id if rule else None
    if stage == "final":
        return user.role == COMMITTEE or (user.role in INSTITUTION_USERS and user.institution_id == rule_institution)
    if stage == "performance":
        return user.role == COMMITTEE
    if stage == "batch":
        return user.role in INSTITUTION_USERS and user.institution_id == rule_institution
    return False


def may_revoke_conversion(user: Who, application: Application) -> bool:
    """Who revokes a passed conversion: center staff, and the institution whose rule received
    it (its main account, or a sub-user with the 转换记录 menu)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_center(user):
        return True
    rule = application.rule if application.rule_id else None
    receiver = application.receiver_id or (rule.institution_id if rule else None)
    return receiver is not None and acts_for(user, receiver) and has_permission(user, Permission.RECORDS)


def may_withdraw_application(user: Who, application: Application) -> bool:
    """A learner takes back their own application (认定 / 转换 / 业绩类) — not a batch an
    institution initiated for them."""
    return application.learner_id == getattr(user, "id", None) and application.kind != ApplicationKind.BATCH


# --- files -----------------------------------------------------------------------------


def _achievement_visible(user: Who, achievement: LearnerAchievement | None) -> bool:
    if achievement is None:
        return False
    if user.role in (CENTER, COMMITTEE) or achievement.learner_id == user.id:
        return True
    if user.role == REVIEWER:
        return achievement.learner.teaching_point_id == user.institution_id
    if user.role in INSTITUTION_USERS:
        if achievement.stored_by_id == user.institution_id:
            return has_permission(user, Permission.LEARNER_ACHIEVEMENTS)
        return has_permission(user, Permission.REVIEWS) and (
            scope_applications(Application.select(), user).where(Application.achievement == achievement).exists()
        )
    return False


def _application_visible(user: Who, application: Application | None) -> bool:
    if application is None:
        return False
    if application.learner_id == user.id:
        return True
    if user.role == LEARNER:
        return False
    return scope_applications(Application.select(), user).where(Application.id == application.id).exists()


OwnerCheck = Callable[[Who, int], bool]  # may ``user`` see what belongs to the owner with this id?


def _published_or_own(model: type[BaseModel], published: Collection[str], permission: str) -> OwnerCheck:
    """Published ones are public; others are for the center and for the owning
    institution's users who have the menu (``permission``)."""

    def check(user: Who, owner_id: int) -> bool:
        obj: Any = model.get_or_none(model.id == owner_id)
        if obj is None:
            return False
        return obj.status in published or user.role == CENTER or (
            user.role in INSTITUTION_USERS and obj.institution_id == user.institution_id
            and has_permission(user, permission)
        )

    return check


def scope_imports(query: Query, user: Who) -> Query:
    """导入记录: an institution's imports for its users, the center's own for center staff."""
    if user.role == CENTER:
        return query.where(ImportBatch.institution.is_null())
    if user.role in INSTITUTION_USERS and user.institution_id:
        return query.where(ImportBatch.institution == user.institution_id)
    return query.where(ImportBatch.id.is_null())


# The menu a sub-user needs to download an import's result files, by import kind.
IMPORT_MENUS = {
    "learner_accounts": Permission.LEARNER_ACCOUNTS,
    "learner_achievements": Permission.LEARNER_ACHIEVEMENTS,
    "institution_achievements": Permission.ACHIEVEMENTS,
}


def _import_visible(user: Who, batch_id: int) -> bool:
    batch = ImportBatch.get_or_none(ImportBatch.id == batch_id)
    if batch is None or user.role == LEARNER:
        return False
    if user.role == CENTER:
        return True
    return (
        user.role in INSTITUTION_USERS
        and batch.institution_id == user.institution_id
        and has_permission(user, IMPORT_MENUS.get(batch.kind, Permission.ACHIEVEMENTS))
    )


def _feedback_visible(user: Who, feedback_id: int) -> bool:
    feedback = Feedback.get_or_none(Feedback.id == feedback_id)
    if feedback is None:
        return False
    return (
        feedback.learner_id == user.id
        or user.role == CENTER
        or (
            user.role in INSTITUTION_USERS
            and feedback.institution_id == user.institution_id
            and has_permission(user, Permission.FEEDBACK)
        )
    )


def sees_every_job(user: Who) -> bool:
    """Center staff see, cancel and retry every background job (后台任务)."""
    return is_center(user)


def scope_jobs(query: Query, user: Who) -> Query:
    """Background jobs (large imports, exports) are seen by the person who started them,
    and by center staff."""
    user_id = getattr(user, "id", None)
    if user_id is not None and sees_every_job(user):
        return query
    return query.where(Job.user == user_id) if user_id is not None else query.where(Job.id.is_null())


def _article_visible(user: Who, article_id: int) -> bool:
    article = Article.get_or_none(Article.id == article_id)
    return article is not None and (article.status == ArticleStatus.PUBLISHED or user.role == CENTER)


ATTACHMENT_RULES: dict[str, OwnerCheck] = {
    "learner_achievement": lambda u, i: _achievement_visible(u, LearnerAchievement.get_or_none(id=i)),
    "withdrawal": lambda u, i: _achievement_visible(u, LearnerAchievement.get_or_none(id=i)),
    "application": lambda u, i: _application_visible(u, Application.get_or_none(id=i)),
    "method": _published_or_own(ConversionMethod, (PublishStatus.PUBLISHED,), Permission.METHODS),
    # A rule's earlier versions stay public (rule_versions): a later version may share the PDF.
    "rule": _published_or_own(ConversionRule, (RuleStatus.PUBLISHED, RuleStatus.SUPERSEDED), Permission.RULES),
    "import": _import_visible,
    "feedback": _feedback_visible,
    # A background job's files (its upload, an export): the person who started it, the center.
    "job": lambda u, i: scope_jobs(Job.select(), u).where(Job.id == i).exists(),
    "article": _article_visible,
    "avatar": lambda u, i: getattr(u, "id", None) == i,  # 修改头像: the person's own picture
}

PUBLIC_OWNER_TYPES = frozenset({"method", "rule", "article"})


def can_view_attachment(user: Who, attachment: Attachment) -> bool:
    rule = ATTACHMENT_RULES.get(attachment.owner_type)
    if rule is None or attachment.owner_id is None:
        # Unowned uploads (a form not yet submitted) are visible to their uploader only.
        return getattr(user, "id", None) is not None and attachment.uploaded_by_id == user.id
    if not getattr(user, "is_authenticated", False):
        return attachment.owner_type in PUBLIC_OWNER_TYPES and rule(user, attachment.owner_id)
    return rule(user, attachment.owner_id)


# --- institution API tokens ---------------------------------------------------

# 接口令牌 are managed by the institution account itself, never by its sub-users: a token
# reaches every menu of the institution.
API_TOKEN_MANAGERS = frozenset({INSTITUTION})


class TokenPrincipal:
    """Whom an API call acts as: the token's institution with the institution account's
    reach, so the row scopes above serve the API unchanged. It never comes from a session."""

    role = INSTITUTION
    id = None
    is_authenticated = True
    is_active = True

    def __init__(self, token: ApiToken) -> None:
        self.institution_id = token.institution_id
        self.token = token


def token_allows(token: ApiToken, scope: str) -> bool:
    """A read token reads; a write token also writes."""
    return scope == ApiTokenScope.READ or token.scope == ApiTokenScope.WRITE
