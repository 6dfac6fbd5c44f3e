"""学员成果管理 and 学员账户管理 (seed 004 §2.2.2, §2.2.4): achievements the institution
stored for learners, and the learner accounts it added. Storing for an ID number that has
no account creates a 未激活 learner added by the institution."""
import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from peewee import JOIN, Case
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from admin.base import SecureForm, WhereFilter
from admin.excel import ExcelMixin
from admin.institution.achievements import kind_filter
from admin.institution.base import MENU_MANAGE, InstitutionModelView, in_year, year_options
from admin.lists import common
from models import (
    AccountStatus,
    AchievementSource,
    AchievementStatus,
    CatalogueAchievement,
    Category,
    Choice,
    Choices,
    ImportBatch,
    LearnerAchievement,
    Permission,
    Role,
    User,
)
from services import ledger
from services.accounts import permissions, throttle
from services.core.pagination import paginate
from services.excel import DATE, DATETIME, LEARNER_ACCOUNTS, LEARNER_ACHIEVEMENTS, ExportColumn
from services.files import storage
from services.records import achievements, learners
from services.records.errors import Refused
from services.records.field_schema import Marked, show_refusals
from services.records.validators import mask_id, mask_phone

# 成果子类型 of a stored achievement is its catalogue achievement's category; 成果类型 that
# category's parent.
CatalogueAchievementCategory = Category.alias("catalogue_achievement_category")
CatalogueAchievementParentCategory = Category.alias("catalogue_achievement_parent_category")
ImportRecord = ImportBatch.alias("import_record")


class StoredBy(Choices):
    """成果状态 in 学员成果 (seed 004): who stored it — the institution itself (by hand or its
    own import) or the credit bank — or 已撤回."""

    INSTITUTION = Choice("institution", AchievementSource.INSTITUTION.label)
    BANK = Choice("bank", _l("Stored by the credit bank"))
    WITHDRAWN = Choice("withdrawn", AchievementStatus.WITHDRAWN.label)


STORED_BY = Case(None, [
    (LearnerAchievement.status == AchievementStatus.WITHDRAWN, StoredBy.WITHDRAWN),
    ((LearnerAchievement.source == AchievementSource.INSTITUTION)
     | (ImportRecord.institution == LearnerAchievement.stored_by), StoredBy.INSTITUTION),
], StoredBy.BANK)


NAME_MISMATCHES = throttle.Limit("name_mismatch", 20, dt.timedelta(hours=1))


def normalise_id(value):
    """ID numbers are typed with stray spaces and a lower-case x; check them as stored."""
    return value.strip().upper() if value else value


class NewLearnerForm(SecureForm):
    """新增学员 of one institution achievement: the form checks formats only; whether the
    holding may be stored is ``services.records.achievements``' call."""

    real_name = StringField(_l("Learner name"), validators=[Marked(), Optional(), Length(max=50)])
    id_number = StringField(_l("ID number"), validators=[Marked(), Optional(), Length(max=32)], filters=[normalise_id])
    personal_code = StringField(_l("Personal achievement number"), validators=[Marked(), Optional(), Length(max=100)])
    obtained_on = DateField(_l("Date of issue"), validators=[Marked(), Optional()])


class WithdrawForm(SecureForm):
    reason = TextAreaField(_l("Reason for withdrawal"), validators=[DataRequired(), Length(max=500)])
    reason_file = FileField(_l("Reason file"))


def _learner_columns(view, context, model, name):
    learner = model if isinstance(model, User) else model.learner
    if name == "id_number":
        return mask_id(learner.id_number)
    if name == "phone":
        return mask_phone(learner.phone)
    return learner.real_name


class LearnerAchievementView(ExcelMixin, InstitutionModelView):
    permission = Permission.LEARNER_ACHIEVEMENTS
    # A name is searched among the institution's own rows, through (stored_by, learner):
    # a common name's learners at 1M hold 1 700 achievements, a third of them stored here.
    search_in_scope = True
    import_kinds = (LEARNER_ACHIEVEMENTS,)
    export_name = _l("Learner achievements")
    export_columns = (
        ExportColumn("成果名称", LearnerAchievement.name),
        ExportColumn("成果类型", CatalogueAchievementParentCategory.name),
        ExportColumn("成果子类型", CatalogueAchievementCategory.name),
        ExportColumn("学员姓名", User.real_name),
        ExportColumn("身份证号", User.id_number),
        ExportColumn("手机号码", User.phone),
        ExportColumn("个人成果编号", LearnerAchievement.personal_code),
        ExportColumn("颁证日期", LearnerAchievement.obtained_on, DATE),
        ExportColumn("成果状态", STORED_BY, enum=StoredBy),
        ExportColumn("入库时间", LearnerAchievement.created_at, DATETIME),
    )
    scope_field = LearnerAchievement.stored_by
    list_args = ("catalogue", "learner", "kind")
    list_template = "admin/institution/learner_achievements_list.html"
    details_template = "admin/institution/learner_achievement_details.html"
    column_list = ("name", "kind", "category", "learner_name", "id_number", "phone", "status")
    column_labels = {
        "name": _l("Achievement name"),
        "kind": _l("Achievement type"),
        "category": _l("Achievement subtype"),
        "learner_name": _l("Learner name"),
        "id_number": _l("ID number"),
        "phone": _l("Mobile"),
        "status": _l("Achievement status"),
        "created_at": _l("Stored at"),
        "user.real_name": _l("Learner name"),  # the searched columns of the learner
        "user.id_number": _l("ID number"),
    }
    column_sortable_list = ("name", "status", "created_at")
    column_default_sort = ("created_at", True)
    # 成果名称, and the learner's name (prefix) or whole ID number, as the columns show them.
    column_searchable_list = ("name", User.real_name, User.id_number)
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-undo", ".withdraw_view", title=_l("Withdraw"), id_arg="ids"),
    ]
    column_filters = (
        WhereFilter(
            LearnerAchievement.created_at,
            _l("Year stored"),
            lambda value: in_year(LearnerAchievement.created_at, value),
            options=year_options,
        ),
        kind_filter(LearnerAchievement.category),
        WhereFilter(
            LearnerAchievement.status,
            _l("Achievement status"),
            lambda value: LearnerAchievement.status == value,
            options=AchievementStatus.choices,
        ),
    )

    def _format_kind(view, context, model, name):
        subcategory = model.catalogue.category if model.catalogue_id else model.category
        if name == "category":
            return subcategory.name
        return subcategory.parent.name if subcategory.parent_id else ""

    def _format_status(view, context, model, name):
        return StoredBy.label(model.stored_state)

    column_formatters = {
        "kind": _format_kind,
        "category": _format_kind,
        "learner_name": _learner_columns,
        "id_number": _learner_columns,
        "phone": _learner_columns,
        "status": _format_status,
    }

    def base_query(self):
        return (
            LearnerAchievement.select(LearnerAchievement, User, CatalogueAchievement, CatalogueAchievementCategory,
                                      CatalogueAchievementParentCategory, STORED_BY.alias("stored_state"))
            .join(User, on=(LearnerAchievement.learner == User.id))
            .switch(LearnerAchievement)
            .join(ImportRecord, JOIN.LEFT_OUTER, on=(LearnerAchievement.import_batch == ImportRecord.id))
            .switch(LearnerAchievement)
            .join(CatalogueAchievement, JOIN.LEFT_OUTER, on=(LearnerAchievement.catalogue == CatalogueAchievement.id))
            .join(CatalogueAchievementCategory, JOIN.LEFT_OUTER,
                  on=(CatalogueAchievement.category == CatalogueAchievementCategory.id))
            .join(CatalogueAchievementParentCategory, JOIN.LEFT_OUTER,
                  on=(CatalogueAchievementCategory.parent == CatalogueAchievementParentCategory.id))
            .switch(LearnerAchievement)
        )

    def get_one(self, id):
        """Details show the same 成果状态 as the list."""
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        return self.scope(self.base_query()).where(LearnerAchievement.id == pk).first()

    def stored_label(self, model):
        return StoredBy.label(model.stored_state)

    def row_action_allowed(self, action, model):
        if getattr(action, "endpoint", None) == ".withdraw_view":
            return model.status != AchievementStatus.WITHDRAWN
        return super().row_action_allowed(action, model)

    def narrow(self, query, args):
        for key, field in (("catalogue", LearnerAchievement.catalogue), ("learner", LearnerAchievement.learner)):
            if key in args:
                try:
                    query = query.where(field == int(args[key]))
                except ValueError:
                    abort(404)
        if "kind" in args:
            kinds = Category.select(Category.id).where(Category.kind == args["kind"])
            query = query.where(LearnerAchievement.category.in_(kinds))
        return query

    # --- 存储学员成果 ----------------------------------------------------------------------

    def own_catalogue_achievements(self):
        query = CatalogueAchievement.select().where(~CatalogueAchievement.disabled)
        return permissions.scope_by_institution(query, CatalogueAchievement.institution, current_user)

    @expose("/store/")
    def choose_catalogue_achievement_view(self):
        """选择机构成果: the institution's achievements to store learners under."""
        query = self.own_catalogue_achievements().join(Category).switch(CatalogueAchievement)
        name = (request.args.get("name") or "").strip()
        if name:
            query = query.where(CatalogueAchievement.name.contains(name))
        page = paginate(query.select(CatalogueAchievement, Category), request.args,
                        {"name": CatalogueAchievement.name, "created_at": CatalogueAchievement.created_at}, "-created_at")
        return self.render("admin/institution/choose_catalogue_achievement.html", page=page, name=name)

    @expose("/store/<int:catalogue_achievement_id>/", methods=("GET", "POST"))
    def store_view(self, catalogue_achievement_id):
        catalogue_achievement = (self.own_catalogue_achievements()
                                 .where(CatalogueAchievement.id == catalogue_achievement_id).first())
        if catalogue_achievement is None:
            abort(404)
        form = NewLearnerForm()
        if form.validate_on_submit():
            try:
                achievements.store_holding(
                    catalogue_achievement, current_user._get_current_object(), (form.real_name.data or "").strip(),
                    form.id_number.data, (form.personal_code.data or "").strip(), form.obtained_on.data,
                )
            except Refused as refused:
                if any(r.code == "name_mismatch" for r in refused.refusals):
                    try:  # counted after the store's transaction rolled back
                        throttle.attempt(NAME_MISMATCHES, f"user:{current_user.id}")
                    except throttle.Throttled as throttled:
                        refused = Refused(str(throttled))
                show_refusals(form, refused, "id_number")
            else:
                flash(_("The learner achievement was stored."), "success")
                return redirect(url_for(".store_view", catalogue_achievement_id=catalogue_achievement.id))
        return self.render("admin/institution/store_learner.html", catalogue_achievement=catalogue_achievement,
                           form=form)

    # --- 撤回 / 批量撤回 ---------------------------------------------------------------------

    @action("withdraw", _l("Batch withdraw"))
    def action_withdraw(self, ids):
        return redirect(url_for(".withdraw_view", ids=",".join(str(i) for i in ids)))

    @expose("/withdraw/", methods=("GET", "POST"))
    def withdraw_view(self):
        ids = [part for part in (request.values.get("ids") or "").split(",") if part]
        rows = [a for a in self.scoped(ids) if a.status != AchievementStatus.WITHDRAWN]
        if not rows:
            flash(_("Please choose achievements that can be withdrawn."), "error")
            return redirect(url_for(".index_view"))
        form = WithdrawForm()
        if form.validate_on_submit():
            upload = form.reason_file.data
            if not upload or not upload.filename:
                form.reason_file.errors = [_("Please upload the reason file.")]
            elif (bad_file := _upload_problem(upload)) is not None:
                form.reason_file.errors = [bad_file]
            else:
                done, failed = withdraw_all(rows, form.reason.data.strip(), upload)
                if done:
                    flash(_("%(count)s learner achievements were withdrawn.", count=done), "success")
                for message in failed:
                    flash(message, "error")
                if done:
                    return redirect(url_for(".index_view"))
        plans = {row.id: ledger.plan_for_achievement(row) for row in rows}
        # 成果状态 as the list says it (机构存储 / 学分银行存储), not the learner's own status.
        states = {row.id: StoredBy.label(row.stored_state)
                  for row in self.get_query().where(LearnerAchievement.id.in_([r.id for r in rows]))}
        return self.render("admin/institution/withdraw.html", rows=rows, form=form, plans=plans, states=states,
                           ids=",".join(str(r.id) for r in rows))


def _upload_problem(upload):
    """Why the reason file is refused, before any achievement is withdrawn; None when fine."""
    try:
        storage.check_upload(upload)
    except storage.UploadError as error:
        return str(error)
    return None


def withdraw_all(rows, reason, upload):
    """Withdraw each row through the ledger (each its own transaction, revoking what rests
    on it); the reason file is stored once per achievement so each keeps its own evidence."""
    done, failed = 0, []
    for row in rows:
        upload.stream.seek(0)
        try:
            ledger.withdraw_achievement(row, current_user._get_current_object(), reason, upload)
        except (Refused, storage.UploadError) as error:
            failed.append(f"{row.name} ({row.learner.real_name}): {error}")
        else:
            done += 1
    return done, failed


# --- 学员账户管理 ---------------------------------------------------------------------------


class LearnerAccountForm(SecureForm):
    """增加新学员 / 修改: formats only; ``services.records.learners`` decides the rest."""

    real_name = StringField(_l("Learner name"), validators=[Marked(), Optional(), Length(max=50)])
    id_number = StringField(_l("ID number"), validators=[Marked(), Optional()], filters=[normalise_id])


class LearnerAccountView(ExcelMixin, InstitutionModelView):
    permission = Permission.LEARNER_ACCOUNTS
    import_kinds = (LEARNER_ACCOUNTS,)
    export_name = _l("Learner accounts")
    export_columns = (
        ExportColumn("学员姓名", User.real_name),
        ExportColumn("身份证号", User.id_number),
        ExportColumn("手机号码", User.phone),
        ExportColumn("账户状态", User.status, enum=AccountStatus),
        ExportColumn("入库时间", User.created_at, DATETIME),
    )
    scope_field = User.added_by_institution
    can_create = True
    can_edit = True
    can_delete = True
    form = LearnerAccountForm
    list_template = "admin/institution/learners_list.html"
    column_list = ("real_name", "id_number", "phone", "status", "created_at")
    column_labels = {
        "real_name": _l("Learner name"),
        "id_number": _l("ID number"),
        "phone": _l("Mobile"),
        "status": _l("Account status"),
        "created_at": _l("Stored at"),
    }
    column_details_list = ("real_name", "id_number", "phone", "status", "created_at")
    column_sortable_list = ("real_name", "status", "created_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("real_name", "id_number")
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-list", "inst_learner_achievements.index_view", title=_l("View achievements"),
                              id_arg="learner"),
    ]
    column_filters = (
        WhereFilter(User.created_at, _l("Year stored"), lambda value: in_year(User.created_at, value), options=year_options),
        WhereFilter(User.status, _l("Account status"), lambda value: User.status == value,
                    options=lambda: [(AccountStatus.ACTIVE, AccountStatus.ACTIVE.label),
                                     (AccountStatus.INACTIVE, AccountStatus.INACTIVE.label)]),
    )

    def _format_status(view, context, model, name):
        return AccountStatus.label(model.status)

    column_formatters = {"id_number": _learner_columns, "phone": _learner_columns, "status": _format_status}
    column_formatters_detail = column_formatters  # masked on the details page too (SPEC §9)

    def scope(self, query):
        return super().scope(query).where(common(permissions.accounts_of(Role.LEARNER)))

    def create_model(self, form):
        try:
            return learners.add_inactive(current_user._get_current_object(), form.real_name.data, form.id_number.data)
        except Refused as refused:
            show_refusals(form, refused, "id_number")
            return False

    def update_model(self, form, model):
        try:
            learners.modify_inactive(current_user._get_current_object(), model, form.real_name.data,
                                     form.id_number.data)
        except Refused as refused:
            show_refusals(form, refused, "id_number")
            return False
        return True

    def editable(self, model):
        return model.status == AccountStatus.INACTIVE

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        if not execute:  # the export streams the query itself
            return count, rows
        rows = list(rows)
        # Whether each row holds achievements, in one query (deletable() asks it per row).
        holding = set(
            LearnerAchievement.select(LearnerAchievement.learner)
            .where(LearnerAchievement.learner.in_([row.id for row in rows]))
            .tuples()
        )
        for row in rows:
            row.holds_achievements = (row.id,) in holding
        return count, rows

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """修改: only 未激活 accounts (an activated learner maintains their own data)."""
        model = self.get_one(request.args.get("id"))
        if model is not None and not self.editable(model):
            flash(_("Only accounts that are not activated can be modified."), "error")
            return redirect(url_for(".index_view"))
        return super().edit_view()

    def deletable(self, model):
        return learners.deletable(model, getattr(model, "holds_achievements", None))

    def delete_record(self, model):
        learners.delete_inactive(current_user._get_current_object(), model)


def register(admin):
    admin.add_view(
        LearnerAchievementView(
            LearnerAchievement, name=_l("Learner achievements"), category=MENU_MANAGE,
            endpoint="inst_learner_achievements",
        )
    )
    admin.add_view(
        LearnerAccountView(User, name=_l("Learner accounts"), category=MENU_MANAGE, endpoint="inst_learners")
    )

