"""What the review views (SPEC §6, §8; seed 000 chapters 三 and 四) share: each is a list
of applications (search by learner name, filters, 待审核/已审核 tabs) with a review page
per application and batch actions; every decision goes through ``services.ledger``,
which checks the state and the reviewer's right to act.
"""
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import JOIN
from wtforms import MultipleFileField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from admin import flask_admin_adapter
from admin.base import SecureForm, SecureModelView, WhereFilter
from admin.decisions import decide_each
from models import (
    Application,
    ApplicationStatus,
    Attachment,
    CatalogueAchievement,
    Category,
    ConversionRule,
    Decision,
    Institution,
    LearnerAchievement,
    ReviewRecord,
    ReviewStage,
    User,
)
from services import ledger
from services.accounts import permissions
from services.records import duplicates

MENU_REVIEWS = _l("Reviews")
PENDING, DONE = "pending", "done"


def reviewer():
    return current_user._get_current_object()


def default_opinion(user, agree=True):
    """The manuals' opinion formats, pre-filled: teaching points name themselves,
    committee members give department and name (审核人：学分银行管理中心 明耀星)."""
    verdict = _("Agree") if agree else _("Disagree")
    if permissions.is_reviewer(user):
        point = user.institution.name if user.institution_id else ""
        return _("Teaching point: %(point)s Reviewer: %(name)s Opinion: %(verdict)s",
                 point=point, name=user.real_name, verdict=verdict)
    department = user.department or (user.institution.name if user.institution_id else "")
    return _("Reviewer: %(department)s %(name)s", department=department, name=user.real_name)


def category_options():
    rows = Category.select().where(Category.parent.is_null(False)).order_by(Category.scope, Category.sort_order)
    return [(str(c.id), c.name) for c in rows]


def of_category(value):
    """成果小类 of the application's achievement, without joining it a second time."""
    chosen = LearnerAchievement.select(LearnerAchievement.id).where(LearnerAchievement.category == value)
    return Application.achievement.in_(chosen)


class ReviewForm(SecureForm):
    opinion = TextAreaField(_l("Review opinion"), validators=[DataRequired(), Length(max=500)])
    decision = RadioField(_l("Decision"), choices=Decision.choices(), default=Decision.AGREE,
                          validators=[DataRequired()])
    files = MultipleFileField(_l("Initial-review materials upload"))


# The stages whose decision means an application was decided at the stage (the key).
STAGES_FROM = {
    ReviewStage.INITIAL: (ReviewStage.INITIAL, ReviewStage.FINAL),
    ReviewStage.FINAL: (ReviewStage.FINAL,),
    ReviewStage.RECOGNITION: (ReviewStage.RECOGNITION,),
    ReviewStage.PERFORMANCE: (ReviewStage.PERFORMANCE,),
    ReviewStage.BATCH: (ReviewStage.BATCH,),
}


# This view's own stage decision of each row (the 已审核 tab shows it, not the overall result).
StageReview = ReviewRecord.alias("stage_review")


def _stage_review(application):
    review = getattr(application, "stage_review", None)
    return review if review is not None and review.id is not None else None


def stage_status(view, application):
    """The view's own stage decision; before it, the state the application waits in."""
    review = _stage_review(application)
    if review is None:
        return ApplicationStatus.label(application.status)
    return view.passed_label if review.decision == Decision.AGREE else view.refused_label


def stage_time(application):
    review = _stage_review(application)
    return review.created_at if review is not None else ""


class ReviewView(SecureModelView):
    """A list of one kind of application at one review stage."""

    kind = None
    stage = None
    pending_status = ApplicationStatus.PENDING
    agree_label = _l("Agree")
    disagree_label = _l("Disagree")
    # What the stage's decision is called in the 已审核 list, and what the reviewer is told.
    passed_label = _l("Review passed")
    refused_label = _l("Review not passed")
    agreed_message = _l("Review successful: the review passed and the target achievement was added to the "
                        "learner's account.")
    refused_message = _l("Review submitted: not passed. The learner has been notified.")
    can_create = False
    can_edit = False
    can_view_details = False
    list_template = "admin/reviews/list.html"
    column_list = ("learner.real_name", "achievement.name", "achievement.category", "rule", "status", "submitted_at",
                   "decided_at")
    column_labels = {
        "learner.real_name": _l("Learner name"),
        "achievement.name": _l("Achievement name"),
        "achievement.category": _l("Achievement type"),
        "rule": _l("Conversion rule"),
        "target": _l("Target achievement"),
        "status": _l("Status"),
        "submitted_at": _l("Submitted at"),
        "decided_at": _l("Reviewed at"),
    }
    column_formatters = {"status": lambda v, c, m, n: stage_status(v, m), "decided_at": lambda v, c, m, n: stage_time(m)}
    # 审核时间 sorts the 已审核 tab by the stage's deciding time kept on the application
    # (``decided_time``, an index per tab); 待审核 rows have none, so there it is no sort.
    # The 状态 column shows the stage's own decision, which no index orders: not a sort.
    decided_time = Application.decided_at
    column_default_sort = ("submitted_at", True)
    column_searchable_list = (User.real_name,)
    column_filters = (
        FilterEqual(Application.status, _l("Status"), options=ApplicationStatus.choices()),
        "submitted_at",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("endpoint", self.endpoint_name)
        self.column_sortable_list = ("submitted_at", ("decided_at", self.decided_time))
        super().__init__(Application, *args, **kwargs)
        self.column_filters = (
            *self.column_filters,
            WhereFilter(Application.achievement, _l("Achievement type"), of_category, options=category_options),
        )
        flask_admin_adapter.refresh_filters(self)

    # --- rows ---------------------------------------------------------------------------

    def display_columns(self):
        # 审核时间 is the stage's own review record's time (``stage_time``).
        return (Application.id, Application.learner, Application.achievement, Application.rule, Application.target,
                Application.status, Application.submitted_at, User.id, User.real_name, LearnerAchievement.id,
                LearnerAchievement.name, LearnerAchievement.category, Category.id, Category.name, ConversionRule.id,
                ConversionRule.code, ConversionRule.name, StageReview.id, StageReview.decision, StageReview.created_at)

    def base_query(self):
        return (
            Application.select(Application, User, LearnerAchievement, Category, ConversionRule, StageReview)
            .join(User, on=(Application.learner == User.id))
            .switch(Application)
            .join(LearnerAchievement)
            .join(Category)
            .switch(Application)
            .join(ConversionRule, JOIN.LEFT_OUTER)
            .switch(Application)
            .join(StageReview, JOIN.LEFT_OUTER, attr="stage_review",
                  on=((StageReview.application == Application.id) & (StageReview.stage == self.stage)))
            .switch(Application)
        )


    @classmethod
    def pending(cls):
        return Application.status == cls.pending_status

    def list_tab(self):
        return request.args.get("tab", PENDING) if request.endpoint == f"{self.endpoint}.index_view" else None

    def is_sortable(self, name):
        return super().is_sortable(name) and not (name == "decided_at" and self.list_tab() == PENDING)

    def list_view_args(self, args):
        args = super().list_view_args(args)
        if args.sort is not None and not self.is_sortable(flask_admin_adapter.sort_column_name(self, args.sort) or ""):
            args = args.clone(sort=None, sort_desc=0)
        return args

    @classmethod
    def done(cls):
        """Decided at this stage: the application's last deciding stage is this one or a
        later one (a conversion's final review follows its initial review)."""
        return Application.decided_stage.in_(STAGES_FROM[cls.stage])

    @classmethod
    def stage_query(cls, query, user, condition):
        return permissions.scope_applications(query.where(Application.kind == cls.kind), user).where(condition)

    @classmethod
    def pending_query(cls, query, user):
        return cls.stage_query(query, user, cls.pending())

    def scope(self, query):
        """The reviewer's applications of this stage, on the list limited to the tab
        (待审核 by default, 已审核); single records and actions see both."""
        condition = {PENDING: self.pending(), DONE: self.done()}.get(self.list_tab(), self.pending() | self.done())
        return self.stage_query(query, reviewer(), condition)

    def get_one(self, id):
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        return self.stage_query(self.base_query(), reviewer(), self.pending() | self.done()).where(
            Application.id == pk
        ).first()

    # --- review page --------------------------------------------------------------------

    def decide(self, application, user, agree, opinion, files):
        raise NotImplementedError

    @expose("/review/<int:application_id>", methods=("GET", "POST"))
    def review_view(self, application_id):
        application = self.get_one(application_id)
        if application is None:
            flash(_("The application does not exist or is not yours to review."), "error")
            return redirect(url_for(".index_view"))
        user = reviewer()
        form = ReviewForm(opinion=default_opinion(user))
        # The page swaps the pre-filled opinion when the decision changes (同意 ↔ 不同意).
        opinions = {"agree": default_opinion(user, True), "disagree": default_opinion(user, False)}
        form.decision.choices = [(Decision.AGREE, self.agree_label), (Decision.DISAGREE, self.disagree_label)]
        if form.validate_on_submit():
            agree = form.decision.data == Decision.AGREE
            try:
                self.decide(application, user, agree, form.opinion.data, request.files.getlist(form.files.name))
            except ledger.Refused as error:
                flash(str(error), "error")
            except ValueError as error:  # an upload that failed its checks
                flash(str(error), "error")
            else:
                flash(str(self.agreed_message if agree else self.refused_message), "success" if agree else "warning")
                return redirect(url_for(".index_view", tab=DONE))
        return self.render(
            "admin/reviews/review.html",
            application=application,
            form=form,
            can_decide=application.status == self.pending_status and permissions.can_review(user, application, self.stage),
            opinions=opinions,
            **review_context(application, self.stage),
        )

    # --- batch actions ------------------------------------------------------------------

    def _decide_many(self, ids, agree):
        user = reviewer()
        label = self.agree_label if agree else self.disagree_label
        decide_each(self.scoped(ids), lambda application: self.decide(
            application, user, agree, default_opinion(user, agree), ()),
            lambda count: _("%(count)s applications: %(decision)s; the learners have been notified.",
                            count=count, decision=label),
            "success" if agree else "warning")

    def scoped(self, ids):
        pks = [int(i) for i in ids if str(i).isdigit()]
        return list(self.pending_query(self.base_query(), reviewer()).where(Application.id.in_(pks)))

    @action("agree", _l("Agree"), _l("Agree to all selected applications with the default opinion?"))
    def action_agree(self, ids):
        self._decide_many(ids, True)

    @action("disagree", _l("Disagree"), _l("Refuse all selected applications with the default opinion?"))
    def action_disagree(self, ids):
        self._decide_many(ids, False)

    def search_placeholder(self):
        return _("Learner name")

    def is_action_allowed(self, name):
        if name in ("agree", "disagree"):
            return permissions.decides_reviews(current_user)
        return super().is_action_allowed(name)


def review_context(application, stage):
    """Everything a review page shows: the learner, the achievement with all fields,
    its evidence, the application's and initial review's materials, and the history."""
    achievement = application.achievement
    catalogue = (
        CatalogueAchievement.select(CatalogueAchievement, Institution).join(Institution)
        .where(CatalogueAchievement.id == achievement.catalogue_id).first()
        if achievement.catalogue_id else None
    )
    fields = []
    for field in achievement.category.field_schema or []:
        source = catalogue.fields if (catalogue and field.get("source") == "catalogue") else achievement.fields
        fields.append((field["label"], (source or {}).get(field["name"], "")))
    history = (
        ReviewRecord.select(ReviewRecord, User)
        .join(User, JOIN.LEFT_OUTER)
        .where(ReviewRecord.application == application.id)
        .order_by(ReviewRecord.created_at, ReviewRecord.id)
    )
    initial_materials = list(Attachment.of("application", application.id, "initial_review"))
    earlier = list(
        Application.select().where(
            Application.achievement == achievement.id, Application.kind == application.kind,
            Application.id < application.id,
        ).order_by(Application.id.desc())
    )
    earlier_reviews = {}
    for record in (
        ReviewRecord.select(ReviewRecord, User).join(User, JOIN.LEFT_OUTER)
        .where(ReviewRecord.application.in_([a.id for a in earlier])).order_by(ReviewRecord.id)
    ):
        earlier_reviews.setdefault(record.application_id, []).append(record)
    return {
        "learner": application.learner,
        "achievement": achievement,
        "catalogue": catalogue,
        "fields": fields,
        "evidence": list(Attachment.of("learner_achievement", achievement.id)),
        "materials": list(Attachment.of("application", application.id, "material")),
        "initial_materials": initial_materials,
        # Seed 000: with no initial-review materials the final reviewer looks at the achievement's own.
        "show_own_evidence_for_final": stage == ReviewStage.FINAL and not initial_materials,
        "targets": [t.catalogue for t in application.rule.targets] if application.rule_id else
                   ([application.target] if application.target_id else []),
        "history": list(history),
        "duplicates": duplicates.others(achievement),  # the same certificate held by someone else
        # SPEC §6 "previous records": the earlier attempts of a re-application.
        "earlier": [(a, earlier_reviews.get(a.id, [])) for a in earlier],
    }
