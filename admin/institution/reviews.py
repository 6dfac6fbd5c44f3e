"""转换申请审核 (seed 004 §2.4.1): the institution that published a rule reviews what is
aimed at it. Tab 个人申请: learners' conversions past their initial review (the final
review, ``ledger.final_review``); tab 机构发起: other institutions' batches, one row per
batch, each reviewed learner by learner (``ledger.review_batch``). On both, ticking
nothing means every row matching the filter, and the decision page says how many."""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import Case, fn

from admin.base import WhereFilter
from admin.decisions import decide_each
from admin.excel import ExcelMixin
from admin.institution.base import InstitutionModelView, in_year, year_options
from admin.institution.conversion_common import (
    FAIL,
    LABELS,
    MENU_CONVERSION,
    ApplicationListView,
    DecisionForm,
    TabbedList,
    actor,
    application_filters,
    chosen_ids,
    decision_preview,
    filter_learners,
    joined_names,
    learner_filters,
    source_names,
    target_names,
)
from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    ConversionBatch,
    ConversionRule,
    Institution,
    LearnerAchievement,
    Permission,
    RuleSource,
    RuleTarget,
    User,
)
from services import ledger, permissions
from services.excel import DATETIME, ExportColumn
from services.pagination import paginate
from services.validators import mask_id

TABS = (("inst_conv_review", _l("Learner applications")), ("inst_conv_batches", _l("Institution-initiated")))
PENDING, DONE = "pending", "done"


def _opinion(form):
    reason = (form.reason.data or "").strip()
    return form.result.data != FAIL, reason


class PersonalReviewView(ApplicationListView):
    """个人申请: conversions under my rules waiting for their final review."""

    permission = Permission.REVIEWS
    tabs = TABS
    column_list = ("seq", "rule.code", "source", "targets", "learner_name", "id_number", "submitted_at")
    column_filters = application_filters()

    def scope(self, query):
        return permissions.scope_received(query, current_user).where(
            Application.kind == ApplicationKind.CONVERSION, Application.status == ApplicationStatus.INITIAL_PASSED
        )

    @expose("/decide/", methods=("GET", "POST"))
    def decide_view(self):
        """审核: the ticked applications, or all matching the list's filter."""
        query = self.export_query()
        count = query.order_by().count()
        form = DecisionForm()
        if count and form.validate_on_submit():
            agree, reason = _opinion(form)
            opinion = reason or str(_l("Passed"))
            user = actor()
            decide_each(list(query), lambda application: ledger.final_review(application, user, agree, opinion))
            return redirect(url_for(".index_view"))
        return self.render("admin/institution/conversion_decide.html", form=form, count=count,
                           selected=bool(chosen_ids()), back=url_for(".index_view"), preview=decision_preview(query))


def _format_batch(view, context, model, name):
    if name == "title":
        return ledger.batch_title(model)
    if name == "sources":
        return "、".join(model.source_names)
    if name == "targets":
        return "、".join(model.target_names)
    return model.learner_count


class BatchReviewView(TabbedList, ExcelMixin, InstitutionModelView):
    """机构发起: one row per batch under my rules; 审核 opens its learners."""

    permission = Permission.REVIEWS
    can_view_details = False
    list_template = "admin/institution/conversion_list.html"
    tabs = TABS
    column_list = ("rule.code", "title", "institution.name", "sources", "targets", "learners", "created_at")
    column_labels = LABELS
    column_sortable_list = ("created_at",)
    column_default_sort = ("created_at", True)
    column_formatters = {**dict.fromkeys(("title", "sources", "targets", "learners"), _format_batch),
                         "created_at": lambda v, c, m, n: m.created_at.strftime("%Y-%m-%d")}
    column_filters = (
        WhereFilter(ConversionBatch.created_at, _l("Application year"),
                    lambda value: in_year(ConversionBatch.created_at, value), options=year_options),
        WhereFilter(ConversionBatch.rule, _l("Rule code"), lambda value: ConversionBatch.rule.in_(
            ConversionRule.select(ConversionRule.id).where(ConversionRule.code.contains(value.strip())))),
        WhereFilter(ConversionBatch.institution, _l("Conversion initiator"), lambda value: ConversionBatch.institution.in_(
            Institution.select(Institution.id).where(Institution.name.contains(value.strip())))),
    )
    export_name = _l("Institution-initiated")

    @property
    def export_columns(self):
        learners = (Application.select(fn.COUNT(Application.id)).where(Application.batch == ConversionBatch.id))
        return tuple(ExportColumn(*spec) for spec in (
            ("规则编码", ConversionRule.code), ("批次编号", ConversionBatch.id), ("转换发起者", Institution.name),
            ("源成果", joined_names(RuleSource, ConversionBatch.rule)), ("学员数量", learners),
            ("目标成果", joined_names(RuleTarget, ConversionBatch.rule)), ("申请时间", ConversionBatch.created_at, DATETIME),
        ))

    def is_visible(self):
        return False  # reached through the 机构发起 tab of 转换申请审核

    def base_query(self):
        query = ConversionBatch.select(ConversionBatch, ConversionRule, Institution).join(ConversionRule)
        return query.switch(ConversionBatch).join(Institution).switch(ConversionBatch)

    def scope(self, query):
        return permissions.scope_batches(query, current_user)

    def decorate(self, rows, page, page_size):
        ids = [row.id for row in rows] or [0]
        is_pending = Case(None, [(Application.status == ApplicationStatus.PENDING, 1)], 0)
        counts, pending = {}, {}
        for batch_id, learners, waiting in (
            Application.select(Application.batch, fn.COUNT(Application.id), fn.SUM(is_pending))
            .where(Application.batch.in_(ids)).group_by(Application.batch).tuples()
        ):
            counts[batch_id], pending[batch_id] = learners, waiting or 0
        rule_ids = {row.rule_id for row in rows}
        sources, targets = source_names(rule_ids), target_names(rule_ids)
        for row in rows:
            row.learner_count = counts.get(row.id, 0)
            row.pending_count = pending.get(row.id, 0)
            row.source_names = sources.get(row.rule_id, [])
            row.target_names = targets.get(row.rule_id, [])
        return rows

    # --- one batch ----------------------------------------------------------------------

    def batch_applications(self, batch, tab):
        """The batch's learners on the 未审核 / 已审核 tab, with the page's filters."""
        query = (
            Application.select(Application, User, LearnerAchievement)
            .join(User, on=(Application.learner == User.id))
            .switch(Application)
            .join(LearnerAchievement, on=(Application.achievement == LearnerAchievement.id))
            .where(Application.batch == batch.id)
        )
        pending = Application.status == ApplicationStatus.PENDING
        return filter_learners(query.where(pending if tab == PENDING else ~pending))

    def _batch(self, batch_id):
        batch = self.get_one(batch_id)
        if batch is None:
            abort(404)
        return batch

    @expose("/review/<int:batch_id>/")
    def review_view(self, batch_id):
        """查看学员: the batch's learners, 未审核 / 已审核."""
        batch = self._batch(batch_id)
        tab = DONE if request.args.get("tab") == DONE else PENDING
        counts = {t: self.batch_applications(batch, t).order_by().count() for t in (PENDING, DONE)}
        page = paginate(self.batch_applications(batch, tab), request.args,
                        {"name": User.real_name, "submitted_at": Application.submitted_at}, "name")
        return self.render("admin/institution/batch_review.html", batch=batch, page=page, tab=tab, counts=counts,
                           title=ledger.batch_title(batch), mask_id=mask_id, ApplicationStatus=ApplicationStatus)

    @expose("/review/<int:batch_id>/decide/", methods=("GET", "POST"))
    def decide_view(self, batch_id):
        """审核: 通过 / 不通过 (+ 原因) for the ticked learners, or all matching the filter."""
        batch = self._batch(batch_id)
        query = self.batch_applications(batch, PENDING)
        ids = chosen_ids()
        if ids:
            query = query.where(Application.id.in_(ids))
        count = query.order_by().count()
        form = DecisionForm()
        back = url_for(".review_view", batch_id=batch.id, **learner_filters())
        if count and form.validate_on_submit():
            agree, reason = _opinion(form)
            try:
                decided = ledger.review_batch(batch, actor(), agree, reason, query.select(Application.id))
            except ledger.Refused as error:
                flash(str(error), "error")
            else:
                flash(_("%(count)s applications reviewed.", count=decided), "success")
            return redirect(back)
        return self.render("admin/institution/conversion_decide.html", form=form, count=count, selected=bool(ids),
                           back=back, batch_title=ledger.batch_title(batch), preview=decision_preview(query))


def register(admin):
    admin.add_view(PersonalReviewView(Application, name=_l("Conversion application review"), category=MENU_CONVERSION,
                                      endpoint="inst_conv_review"))
    admin.add_view(BatchReviewView(ConversionBatch, name=_l("Conversion application review"), category=MENU_CONVERSION,
                                   endpoint="inst_conv_batches"))
