"""转换办法与规则 of the institution space (seed 004 §2.3, SPEC §7): 转换办法发布 and
转换规则管理 with its tabs 我发布的转换规则 / 与我相关的转换规则. The forms, the edits and
the state changes are those the center uses on an institution's behalf
(``admin.conversion_rules``); here are the institution's lists, scoped to its own rows."""
import datetime as dt

from flask import abort, request, url_for
from flask_admin import expose
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.conversion_rules import MethodEditing, RuleEditing
from admin.institution.base import InstitutionModelView
from models import (
    CatalogueAchievement,
    ConversionMethod,
    ConversionRule,
    Institution,
    Permission,
    PublishStatus,
    RuleSource,
    RuleStatus,
    RuleTarget,
    RuleType,
)
from services.accounts import permissions
from services.core.pagination import paginate
from services.ledger import rules

MENU_RULES = _l("Conversion methods and rules")
TAB_MINE, TAB_RELATED = "mine", "related"


def _date(value):
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def _contains(value):
    return f"%{value.strip()}%"


class InstitutionMethodView(MethodEditing, InstitutionModelView):
    """转换办法发布: the institution's methods; one of them at most 已发布."""

    permission = Permission.METHODS
    scope_field = ConversionMethod.institution
    can_view_details = False  # the list shows everything a method has

    @expose("/")
    def index_view(self):
        args = request.args
        query = self.get_query()
        start, end = _date(args.get("published_from")), _date(args.get("published_until"))
        if start:
            query = query.where(ConversionMethod.published_at >= start)
        if end:
            query = query.where(ConversionMethod.published_at < end + dt.timedelta(days=1))
        if args.get("status") in PublishStatus.codes():
            query = query.where(ConversionMethod.status == args["status"])
        page = paginate(query, args, {"created_at": ConversionMethod.created_at,
                                      "published_at": ConversionMethod.published_at}, "-created_at")
        return self.render("admin/rules/methods.html", page=page, statuses=PublishStatus.choices(),
                           editable=rules.method_editable)


RULE_FILTER_ARGS = ("code", "rule_type", "source", "target", "institution", "status")


def rule_filters(query, args):
    """规则编码, 转换规则类型, 源成果名称, 目标成果名称, 机构, 状态 — in the database."""
    if (args.get("code") or "").strip():
        query = query.where(ConversionRule.code.contains(args["code"].strip()))
    if args.get("rule_type") in RuleType.codes():
        query = query.where(ConversionRule.rule_type == args["rule_type"])
    if (args.get("source") or "").strip():
        query = query.where(ConversionRule.id.in_(
            RuleSource.select(RuleSource.rule).join(CatalogueAchievement)
            .where(CatalogueAchievement.name ** _contains(args["source"]))))
    if (args.get("target") or "").strip():
        pattern = _contains(args["target"])
        query = query.where(ConversionRule.id.in_(
            RuleTarget.select(RuleTarget.rule).join(CatalogueAchievement)
            .where(CatalogueAchievement.name ** pattern))
            | (ConversionRule.target_major ** pattern))
    if (args.get("institution") or "").strip():
        query = query.where(ConversionRule.institution.in_(
            Institution.select(Institution.id).where(Institution.name ** _contains(args["institution"]))))
    if args.get("status") in RuleStatus.codes():
        query = query.where(ConversionRule.status == args["status"])
    return query


class InstitutionRuleView(RuleEditing, InstitutionModelView):
    """转换规则管理: 我发布的转换规则 (editable per state) and 与我相关的转换规则 (others'
    published rules whose source is one of my achievements: 查看, 申请转换)."""

    permission = Permission.RULES
    scope_field = ConversionRule.institution

    def base_query(self):
        return ConversionRule.select(ConversionRule, Institution).join(Institution).switch(ConversionRule)

    def _related(self):
        return (
            rules.related_rules(current_user.institution_id)
            .select(ConversionRule, Institution)
            .join(Institution)
            .switch(ConversionRule)
        )

    @expose("/")
    def index_view(self):
        args = request.args
        tab = TAB_RELATED if args.get("tab") == TAB_RELATED else TAB_MINE
        query = rule_filters(self._related() if tab == TAB_RELATED else self.get_query(), args)
        page = paginate(query, args, {"code": ConversionRule.code, "published_at": ConversionRule.published_at},
                        "-code")
        filtered = any((args.get(name) or "").strip() for name in RULE_FILTER_ARGS)
        counts = {
            # The shown tab's unfiltered count is the page's own total: not counted twice.
            name: page.total if name == tab and not filtered else rows.order_by().count()
            for name, rows in ((TAB_MINE, self.get_query()), (TAB_RELATED, self._related()))
        }
        return self.render(
            "admin/rules/rules.html", page=page, tab=tab, counts=counts,
            links=rules.rule_links([rule.id for rule in page.items]), rule_types=RuleType.choices(),
            statuses=RuleStatus.choices(), editable=rules.rule_editable,
            method_exists=rules.method_for_rules(current_user.institution_id) is not None,
            can_methods=permissions.has_permission(current_user, Permission.METHODS),
        )

    @expose("/related/")
    def related_view(self):
        """查看 of a rule under 与我相关的转换规则 (read-only)."""
        try:
            rule_id = int(request.args.get("id", ""))
        except ValueError:
            abort(404)
        rule = self._related().where(ConversionRule.id == rule_id).first()
        if rule is None:
            abort(404)
        return self._details(rule, actions=False)

    def method_url(self):
        if not permissions.has_permission(current_user, Permission.METHODS):
            return None  # a sub-user without 转换办法发布 is only told
        return url_for("inst_methods.create_view")


def register(admin):
    admin.add_view(InstitutionMethodView(ConversionMethod, name=_l("Conversion method publication"),
                                         category=MENU_RULES, endpoint="inst_methods"))
    admin.add_view(InstitutionRuleView(ConversionRule, name=_l("Conversion rule management"), category=MENU_RULES,
                                       endpoint="inst_rules"))
