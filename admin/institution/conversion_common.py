"""What the institution's conversion screens share (seed 004 §2.3.2 申请转换, §2.4): the
application list base of 转换申请审核 › 个人申请 and 转换记录 (columns, filters, export),
the names of a rule's sources and targets, and the decision form (通过 / 不通过 + 原因)."""
from flask import g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import SqliteDatabase, fn
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from admin import flask_admin_adapter, lists
from admin.base import SecureForm, WhereFilter
from admin.excel import ExcelMixin
from admin.institution.base import InstitutionModelView, in_year, year_options
from models import (
    Application,
    ApplicationStatus,
    CatalogueAchievement,
    ConversionRule,
    LearnerAchievement,
    RuleSource,
    RuleTarget,
    User,
    db,
)
from services.excel import DATE, DATETIME, TEXT, ExportColumn
from services.records.errors import MAX_REASON
from services.records.validators import mask_id

MENU_CONVERSION = _l("Conversion management")
PASS, FAIL = "pass", "fail"


# --- names of a rule's sources and targets ------------------------------------------------


def _names(model, rule_ids):
    """{rule id: [catalogue names]} for RuleSource or RuleTarget, in one query."""
    rows = (
        model.select(model, CatalogueAchievement)
        .join(CatalogueAchievement)
        .where(model.rule.in_(list(rule_ids) or [0]))
        .order_by(model.id)
    )
    found = {}
    for row in rows:
        name = row.catalogue.name
        modules = getattr(row, "exempt_modules", None)
        if modules:
            name = _("%(name)s (exempt modules: %(modules)s)", name=name, modules=modules)
        found.setdefault(row.rule_id, []).append(name)
    return found


def source_names(rule_ids):
    return _names(RuleSource, rule_ids)


def target_names(rule_ids):
    return _names(RuleTarget, rule_ids)


def joined_names(model, rule_field):
    """A correlated subquery of the rule's source or target names joined with 、 (for
    exports: one cell per row, computed by the database)."""
    catalogue_achievement = CatalogueAchievement.alias()
    link = model.alias()
    agg = (
        fn.GROUP_CONCAT(catalogue_achievement.name, "、")
        if isinstance(db.obj, SqliteDatabase)
        else fn.string_agg(catalogue_achievement.name, "、")
    )
    return (catalogue_achievement.select(agg).join(link, on=(link.catalogue == catalogue_achievement.id))
            .where(link.rule == rule_field))


# --- list filters ------------------------------------------------------------------------


def _learners(condition):
    """The applications of the learners ``condition`` picks, looked up through the
    condition's index first (a name prefix or an ID number keeps few learners)."""
    return lists.rare(Application.learner.in_(User.select(User.id).where(condition)))


def _by_id_number(value):
    """A whole ID number exactly (its unique index), else the start of one."""
    value = value.strip().upper()
    exact = lists.exact_term("id", value)
    return User.id_number == exact if exact else lists.prefix_condition(User.id_number, value)


def application_filters(with_status=False):
    filters = [
        WhereFilter(Application.submitted_at, _l("Application year"),
                    lambda value: in_year(Application.submitted_at, value), options=year_options),
        WhereFilter(Application.rule, _l("Rule code"), lambda value: Application.rule.in_(
            ConversionRule.select(ConversionRule.id).where(ConversionRule.code.contains(value.strip())))),
        # Names and ID numbers from their start (their indexes), as the search boxes match them.
        WhereFilter(Application.learner, _l("Learner name"),
                    lambda value: _learners(lists.prefix_condition(User.real_name, value.strip())), narrows=True),
        WhereFilter(Application.achievement, _l("ID number"), lambda value: _learners(_by_id_number(value)),
                    narrows=True),
    ]
    if with_status:
        filters.append(WhereFilter(Application.status, _l("Conversion status"),
                                   lambda value: Application.status == value, options=ApplicationStatus.choices))
    return tuple(filters)


# --- the application list ----------------------------------------------------------------


def _source(view, context, model, name):
    achievement = model.achievement
    parts = [achievement.name]
    if achievement.personal_code:
        parts.append(_("Personal achievement number: %(code)s", code=achievement.personal_code))
    if achievement.obtained_on:
        parts.append(_("Date of issue: %(date)s", date=achievement.obtained_on.isoformat()))
    return " · ".join(parts)


# Column labels of every conversion list (each view shows the columns it lists).
LABELS = {
    "seq": _l("No."), "rule.code": _l("Rule code"), "learner_name": _l("Learner name"), "id_number": _l("ID number"),
    "source": _l("Source achievement"), "targets": _l("Target achievement"), "submitted_at": _l("Applied at"),
    "status": _l("Conversion status"), "history": _l("Review records"), "title": _l("Batch"),
    "institution.name": _l("Conversion initiator"), "sources": _l("Source achievement"),
    "learners": _l("Number of learners"), "created_at": _l("Applied at"),
}


class TabbedList:
    """A list shown as one of several tabs ("个人申请 (N)", "机构发起 (N)"): the shown tab's
    count is the list's own (no second count), the others are counted on their base
    tables. ``decorate`` adds what a page's rows show, in a few queries for the page."""

    tabs = ()

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        if not execute:
            return count, rows
        g.cb_tab_total = (self.endpoint, count)
        return count, self.decorate(list(rows), page, page_size)

    def decorate(self, rows, page, page_size):
        return rows

    def tab_counts(self):
        """(endpoint, label, count, active) of each tab: the count of the tab's own rows."""
        found = []
        for endpoint, label in self.tabs:
            view = flask_admin_adapter.view_by_endpoint(self.admin, endpoint)
            shown = g.get("cb_tab_total")
            if shown and shown[0] == endpoint:
                count = shown[1]  # counted already by the list itself
            else:
                # Capped as the list counts itself ("2000+"): the dominant institution receives
                # 100 000 applications, which an exact count reads whole on every page view.
                count = lists.capped_count(view.get_count_query(), view.max_rows) if view.is_accessible() else None
            found.append((endpoint, label, count, endpoint == self.endpoint))
        return found


class ApplicationListView(TabbedList, ExcelMixin, InstitutionModelView):
    """A list of conversion applications seen by an institution (``scope`` per view)."""

    can_view_details = False
    column_display_actions = False  # no row actions: the list's own links do the work
    list_template = "admin/institution/conversion_list.html"
    column_list = ("seq", "rule.code", "learner_name", "id_number", "source", "targets", "submitted_at", "status")
    column_labels = LABELS
    column_sortable_list = ("submitted_at",)
    column_default_sort = ("submitted_at", True)
    column_formatters = {
        "learner_name": lambda v, c, m, n: m.learner.real_name,
        "id_number": lambda v, c, m, n: mask_id(m.learner.id_number),
        "source": _source,
        "targets": lambda v, c, m, n: "、".join(m.target_names),
        "submitted_at": lambda v, c, m, n: m.submitted_at.strftime("%Y-%m-%d"),
        "status": lambda v, c, m, n: ApplicationStatus.label(m.status),
    }
    tabs = ()  # (endpoint, label) of the list's tab row

    @property
    def export_columns(self):
        return tuple(ExportColumn(*spec) for spec in (
            ("规则编码", ConversionRule.code), ("学员姓名", User.real_name), ("身份证号", User.id_number),
            ("源成果", LearnerAchievement.name), ("个人成果编号", LearnerAchievement.personal_code),
            ("颁证日期", LearnerAchievement.obtained_on, DATE), ("目标成果", joined_names(RuleTarget, Application.rule)),
            ("申请时间", Application.submitted_at, DATETIME), ("转换状态", Application.status, TEXT, ApplicationStatus),
        ))

    def base_query(self):
        return (
            Application.select(Application, User, LearnerAchievement, ConversionRule)
            .join(User, on=(Application.learner == User.id))
            .switch(Application)
            .join(LearnerAchievement, on=(Application.achievement == LearnerAchievement.id))
            .switch(Application)
            .join(ConversionRule, on=(Application.rule == ConversionRule.id))
            .switch(Application)
        )

    def decorate(self, rows, page, page_size):
        targets = target_names({row.rule_id for row in rows})
        first = (page or 0) * (page_size or self.page_size)
        for number, row in enumerate(rows, start=first + 1):
            row.seq = number
            row.target_names = targets.get(row.rule_id, [])
        return rows


# --- the decision ------------------------------------------------------------------------


class DecisionForm(SecureForm):
    """审核: 通过 / 不通过, 不通过原因 required on 不通过, at most 500 characters."""

    result = RadioField(_l("Review result"), choices=[(PASS, _l("Pass")), (FAIL, _l("Not pass"))],
                        validators=[DataRequired()])  # no default: a decision is chosen, not defaulted
    reason = TextAreaField(_l("Reason for not passing"), validators=[Length(max=MAX_REASON)])

    def validate_reason(self, field):
        if self.result.data == FAIL and not (field.data or "").strip():
            raise ValidationError(_("Please enter the reason for not passing"))


def learner_filters():
    """学员姓名 / 身份证号 typed on a page's query form, as given (cleaned)."""
    return {k: request.values.get(k).strip() for k in ("name", "id_number") if (request.values.get(k) or "").strip()}


def filter_learners(query):
    """Narrow ``query`` (joined to the learner ``User``) by the page's 学员姓名 / 身份证号."""
    typed = learner_filters()
    if "name" in typed:
        query = query.where(User.real_name.contains(typed["name"]))
    if "id_number" in typed:
        query = query.where(User.id_number.contains(typed["id_number"].upper()))
    return query


def chosen_ids():
    """Ids ticked on the list (``ids=1,2`` or repeated ``ids``); empty = all matching."""
    values = request.values.getlist("ids")
    return [int(part) for value in values for part in value.split(",") if part.strip().isdigit()]


def actor():
    return current_user._get_current_object()


PREVIEW_ROWS = 10


def decision_preview(query):
    """The first ``PREVIEW_ROWS`` applications a decision page is about to decide — learner,
    masked ID number, source achievement —, so that its count is not a bare number."""
    first = query.select(Application.id).order_by(Application.id).limit(PREVIEW_ROWS)
    return [
        {"name": name, "id_number": mask_id(id_number), "source": source}
        for name, id_number, source in Application.select(User.real_name, User.id_number, LearnerAchievement.name)
        .join(User, on=(Application.learner == User.id)).switch(Application)
        .join(LearnerAchievement, on=(Application.achievement == LearnerAchievement.id))
        .where(Application.id.in_(first)).order_by(Application.id).tuples()
    ]
