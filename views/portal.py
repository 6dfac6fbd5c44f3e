"""Public portal pages (SPEC §10): home, 规则查询 with rule details, certificate verification
(the other sections are in views/portal_content.py)."""
from flask import Blueprint, abort, current_app, redirect, render_template, request
from flask_login import current_user

from models import (
    Application,
    ApplicationStatus,
    Article,
    ArticleKind,
    CatalogueAchievement,
    ConversionRule,
    Institution,
    RuleSource,
    RuleTarget,
    RuleType,
    User,
)
from services.accounts import permissions
from services.core.pagination import paginate
from services.learning_record import statements
from services.ledger import rule_versions
from services.ledger.certificate import certificate_facts
from services.records.validators import mask_name
from views.portal_content import layout, published_articles
from web import inputs

bp = Blueprint("portal", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(permissions.home_url(current_user))
    def latest(kind):
        return list(published_articles(kind).order_by(Article.published_at.desc(), Article.id.desc()).limit(5))

    return render_template(
        "portal/index.html",
        news=latest(ArticleKind.NEWS),
        guides=latest(ArticleKind.GUIDE),
        rule_count=ConversionRule.published().count(),
    )


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says."""
    return current_app.send_static_file("favicon.ico")


@bp.route("/rules")
def rules():
    """规则查询: published rules by keyword, institution and 转换规则类型, paged."""
    keyword = (request.args.get("q") or "").strip()
    institution_id = request.args.get("institution", type=inputs.db_int)
    rule_type = request.args.get("type") or ""
    query = (
        ConversionRule.published()
        .select(ConversionRule, Institution)
        .join(Institution, on=(ConversionRule.institution == Institution.id))
    )
    if keyword:
        sources = (
            RuleSource.select(RuleSource.rule)
            .join(CatalogueAchievement)
            .where(CatalogueAchievement.name.contains(keyword))
        )
        query = query.where(
            ConversionRule.name.contains(keyword)
            | ConversionRule.code.contains(keyword)
            | ConversionRule.id.in_(sources)
        )
    if institution_id:
        query = query.where(ConversionRule.institution == institution_id)
    if rule_type in RuleType.codes():
        query = query.where(ConversionRule.rule_type == rule_type)
    page = paginate(
        query,
        request.args,
        {"code": ConversionRule.code, "name": ConversionRule.name, "published": ConversionRule.published_at},
        default_sort="-published",
    )
    institutions = (
        Institution.select(Institution.id, Institution.name)
        .where(Institution.id.in_(ConversionRule.published().select(ConversionRule.institution)))
        .order_by(Institution.name)
    )
    return render_template("portal/rules.html", page=page, institutions=institutions, layout=layout())


@bp.route("/rules/<int:rule_id>")
def rule(rule_id):
    """A published rule: 源成果, 目标成果, 转换说明, the rule PDF, who interprets it. An earlier
    or a withdrawn version answers too, says so and links the version in force."""
    item = (
        ConversionRule.select(ConversionRule, Institution)
        .join(Institution, on=(ConversionRule.institution == Institution.id))
        .where(ConversionRule.id == rule_id, ConversionRule.status.in_(rule_versions.PUBLIC))
        .first()
    )
    if item is None:
        abort(404)

    def catalogue_achievements(model):
        """The rule's links of one side (``RuleSource`` or ``RuleTarget``), each with its
        catalogue achievement and that one's institution."""
        return list(
            model.select(model, CatalogueAchievement, Institution)
            .join(CatalogueAchievement)
            .join(Institution)
            .where(model.rule == item)
            .order_by(model.id)
        )

    return render_template(
        "portal/rule.html", rule=item, sources=catalogue_achievements(RuleSource),
        targets=catalogue_achievements(RuleTarget), layout=layout(),
        versions=rule_versions.history(item), in_force=rule_versions.in_force(item),
        not_in_force=rule_versions.not_in_force_reason(item), in_force_version=rule_versions.version_in_force(item),
    )


@bp.route("/verify/<code>")
def verify(code):
    """Anyone holding a conversion certificate or a 学习档案 can check its code (no login): a
    genuine one, or one revoked since (when and why); a statement as issued, with each item
    revoked or withdrawn since marked."""
    statement = statements.for_code(code)
    if statement is not None:
        learner = User.get_by_id(statement.learner_id)
        return render_template("portal/verify_statement.html", statement=statement, learner=learner,
                               items=statements.with_current_states(statement), item_state=statements.state_label)
    application = Application.get_or_none(
        Application.certificate_code == code.strip().upper()[:32],
        Application.status.in_([ApplicationStatus.PASSED, ApplicationStatus.REVOKED]),
    )
    facts = certificate_facts(application) if application else None
    if facts:
        facts["learner_name"] = mask_name(facts["learner_name"])
    return render_template("portal/verify.html", facts=facts, code=code, application=application), \
        (200 if facts else 404)
