"""The learner area under /me/ (SPEC §4–§8): simple pages for a first-time user.

Every achievement or application is looked up through the learner's own rows
(``own_achievement``/``own_application``), so another learner's id answers 404.
State changes go through ``services.workflow`` only."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN, IntegrityError

from models import (
    AchievementSource,
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Attachment,
    CatalogueAchievement,
    Category,
    CategoryKind,
    ConversionRule,
    Feedback,
    Institution,
    LearnerAchievement,
    Message,
    ReviewRecord,
    RuleTarget,
    User,
    db,
    now,
)
from services import audit, duplicates, inputs, notify, permissions, storage, workflow
from services.pagination import paginate
from services.permissions import LEARNER, roles_required
from views.auth import safe_next
from services.schema import schema_form_data, schema_values
from views.learner.forms import CatalogueSearchForm, FeedbackForm, achievement_form_class

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


def status_summary(user):
    """The counts of 我的信息 (SPEC §4): each achievement in exactly one bucket by its
    current state, so 成果总数 is their sum. 名录成果 count as 已认定 (manual 002's
    screens), 已申请 is 认定中; 已撤回 gets its own bucket (shown when there are any)."""
    counts = LearnerAchievement.status_counts(user)
    return {
        "total": sum(counts.values()),
        "not_applied": counts.get(AchievementStatus.NOT_APPLIED, 0),
        "applied": counts.get(AchievementStatus.UNDER_REVIEW, 0),
        "recognised": counts.get(AchievementStatus.RECOGNISED, 0) + counts.get(AchievementStatus.CATALOGUE, 0),
        "refused": counts.get(AchievementStatus.REFUSED, 0),
        "withdrawn": counts.get(AchievementStatus.WITHDRAWN, 0),
    }


@bp.route("/")
def home():
    """我的信息: basic information, the five counts and the paged list of achievements."""
    user = me()
    query = LearnerAchievement.for_learner(user)
    page = paginate(query, request.args, ACHIEVEMENT_SORTS, default_sort="-created")
    return render_template("learner/home.html", user=user, summary=status_summary(user), page=page)


# --- 成果添加 -------------------------------------------------------------------------------


def learner_subcategory(category_id):
    if not category_id:
        return None
    return Category.get_or_none(
        Category.id == category_id, Category.parent.is_null(False), Category.scope == "learner", Category.active
    )


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


def catalogue_json(entry, category):
    """What 成果选择 shows of an entry, and the catalogue fields 确认 fills in."""
    values = entry.fields or {}
    fields = [
        {"name": spec["name"], "label": spec["label"], "value": str(values.get(spec["name"], ""))}
        for spec in (category.catalogue_fields() if category else [])
    ]
    return {
        "id": entry.id,
        "project_name": entry.project_name,
        "name": entry.name,
        "institution": entry.institution.name,
        "issuer": entry.issuing_body,
        "credits": str(entry.credits) if entry.credits is not None else "",
        "intro": entry.intro or "",
        "fields": fields,
    }


@bp.route("/catalogue")
def catalogue_search():
    """成果选择: search by 项目名称, 成果名称, 资历机构名称 (combinable), paged; JSON for the dialog."""
    category = learner_subcategory(request.args.get("category", type=inputs.db_int))
    _form, page = catalogue_page(request.args, category)
    return jsonify(
        items=[catalogue_json(entry, category) for entry in page.items],
        page=page.number,
        pages=page.pages,
        total=page.total,
    )


def catalogue_entry_for(category, catalogue_id):
    if not catalogue_id or not str(catalogue_id).isdigit() or int(catalogue_id) > inputs.INT64_MAX:
        return None
    return CatalogueAchievement.search(category=category).where(CatalogueAchievement.id == int(catalogue_id)).first()


@bp.route("/achievements/new", methods=["GET", "POST"])
def add_achievement():
    """成果添加: 成果大类 → 成果小类 → the subcategory's form (from its schema)."""
    roots = list(Category.roots())
    category = learner_subcategory(request.values.get("category", type=inputs.db_int))
    root_id = category.parent_id if category else request.args.get("root", type=inputs.db_int)
    children = list(Category.select().where(Category.parent == root_id, Category.active).order_by(
        Category.sort_order, Category.id)) if root_id else []
    if category is None:
        return render_template("learner/achievement_new.html", roots=roots, root_id=root_id, children=children,
                               category=None)
    manual_entry = category.is_informal or request.values.get("mode") == "manual"
    form = achievement_form_class(category, manual_entry)()
    entry = None if manual_entry else catalogue_entry_for(category, form.catalogue_id.data)
    valid = request.method == "POST" and form.validate()
    if request.method == "POST" and not manual_entry and entry is None:
        form.catalogue_id.errors = [_("Please search and choose the achievement, or enter it by hand")]
        valid = False
    if valid:
        achievement = _save_new_achievement(form, category, entry)
        if achievement is not None:
            flash(_("Achievement added: %(name)s (%(status)s).", name=achievement.name,
                    status=AchievementStatus.label(achievement.status)), "success")
            return redirect(url_for("learner.achievement", achievement_id=achievement.id))
    return render_template(
        "learner/achievement_new.html", roots=roots, root_id=root_id, children=children, category=category,
        form=form, manual_entry=manual_entry, entry=catalogue_json(entry, category) if entry else None,
    )


def _evidence_files(form):
    return [f for f in form.evidence.data or [] if getattr(f, "filename", "")]


def _save_new_achievement(form, category, entry):
    """Create the achievement and its evidence in one transaction; None with form errors."""
    user = me()
    if entry is not None and LearnerAchievement.select().where(
        LearnerAchievement.learner == user, LearnerAchievement.catalogue == entry
    ).exists():
        form.catalogue_id.errors = [_("You have already added this achievement")]
        return None
    files = _evidence_files(form)
    if not files and any(item.get("required") for item in category.evidence or []):
        form.evidence.errors = [_("Please upload the related materials")]
        return None
    values = schema_values(form, category.field_schema or [])
    try:
        with db.atomic():
            achievement = LearnerAchievement.create(
                learner=user,
                catalogue=entry and entry.id,
                category=category,
                name=entry.name if entry else form.name.data.strip(),
                institution=entry.institution_id if entry else None,
                institution_name=None if entry else getattr(form, "institution_name", None) and form.institution_name.data,
                fields=values,
                description=form.description.data or None,
                status=workflow.initial_status(category, entry),
                source=AchievementSource.SELF,
                obtained_on=values.get("obtained_on"),
            )
            for file in files:
                storage.save_upload(file, "learner_achievement", achievement.id, user=user)
            duplicates.note(achievement)
            audit.record("achievement_added", achievement, catalogue=entry and entry.id)
    except storage.UploadError as error:
        form.evidence.errors = [str(error)]
        return None
    except IntegrityError:  # the same catalogue entry added twice at once
        form.catalogue_id.errors = [_("You have already added this achievement")]
        return None
    return achievement


def with_open_applications(achievements):
    """Ids of those ``achievements`` that an application is still waiting on (one query)."""
    ids = [a.id for a in achievements]
    if not ids:
        return set()
    rows = Application.select(Application.achievement).where(
        Application.achievement.in_(ids), Application.status.in_(OPEN_STATUSES)
    )
    return {row.achievement_id for row in rows}


def can_edit(achievement, busy=None):
    """修改 only while nothing about the achievement is under review (SPEC §6), and not
    once a review recognised it: changing it then would keep a recognition it never got.
    ``busy``: ids with open applications, when the caller fetched them for a whole page."""
    busy = with_open_applications([achievement]) if busy is None else busy
    return (
        achievement.source == AchievementSource.SELF
        and achievement.status
        not in (AchievementStatus.UNDER_REVIEW, AchievementStatus.WITHDRAWN, AchievementStatus.RECOGNISED)
        and achievement.id not in busy
    )


def editable_ids(achievements):
    busy = with_open_applications(achievements)
    return {a.id for a in achievements if can_edit(a, busy)}


def can_delete(achievement):
    """删除 only for a self-added achievement that never entered an application (history stays)."""
    return can_edit(achievement) and not Application.select().where(Application.achievement == achievement).exists()


@bp.route("/achievements/<int:achievement_id>")
def achievement(achievement_id):
    """查看详情: the achievement, its materials, and every application with its review results."""
    item = own_achievement(achievement_id)
    applications = applications_with_reviews(Application.achievement == item)
    return render_template(
        "learner/achievement.html",
        a=item,
        evidence=list(Attachment.of("learner_achievement", item.id)),
        applications=applications,
        targets=targets_by_rule(applications),
        can_edit=can_edit(item),
        can_delete=can_delete(item),
        feedback_form=FeedbackForm() if item.stored_by_id else None,
        feedback=list(Feedback.select().where(Feedback.achievement == item).order_by(Feedback.id.desc())),
    )


@bp.route("/achievements/<int:achievement_id>/edit", methods=["GET", "POST"])
def edit_achievement(achievement_id):
    item = own_achievement(achievement_id)
    if not can_edit(item):
        flash(_("This achievement cannot be modified while it is under review."), "warning")
        return redirect(url_for("learner.achievement", achievement_id=item.id))
    manual_entry = item.catalogue_id is None
    form_class = achievement_form_class(item.category, manual_entry)
    data = {"description": item.description, **schema_form_data(item.category.field_schema or [], item.fields)}
    if manual_entry:
        data.update(name=item.name, institution_name=item.institution_name)
    form = form_class(data=data) if request.method == "GET" else form_class()
    evidence = list(Attachment.of("learner_achievement", item.id))
    if request.method == "POST" and form.validate():
        removed = {int(i) for i in request.form.getlist("remove_evidence") if i.isdigit()}
        try:
            with db.atomic():
                values = schema_values(form, item.category.field_schema or [])
                changes = {"fields": {**(item.fields or {}), **values}, "description": form.description.data or None,
                           "obtained_on": values.get("obtained_on", item.obtained_on), "updated_at": now()}
                if manual_entry:
                    changes["name"] = form.name.data.strip()
                    if hasattr(form, "institution_name"):
                        changes["institution_name"] = form.institution_name.data
                LearnerAchievement.update(changes).where(LearnerAchievement.id == item.id).execute()
                previous_key, item.fields = item.certificate_key, changes["fields"]
                duplicates.note(item, previous_key)
                Attachment.delete().where(
                    Attachment.owner_type == "learner_achievement", Attachment.owner_id == item.id,
                    Attachment.id.in_(removed or [0]),
                ).execute()
                for file in _evidence_files(form):
                    storage.save_upload(file, "learner_achievement", item.id, user=me())
                audit.record("achievement_modified", item)
        except storage.UploadError as error:
            form.evidence.errors = [str(error)]
        else:
            flash(_("Achievement saved."), "success")
            return redirect(url_for("learner.achievement", achievement_id=item.id))
    return render_template("learner/achievement_edit.html", a=item, form=form, evidence=evidence,
                           manual_entry=manual_entry)


@bp.route("/achievements/<int:achievement_id>/delete", methods=["POST"])
def delete_achievement(achievement_id):
    item = own_achievement(achievement_id)
    if not can_delete(item):
        flash(_("This achievement has applications and cannot be deleted."), "warning")
        return redirect(url_for("learner.achievement", achievement_id=item.id))
    with db.atomic():
        Attachment.delete().where(Attachment.owner_type == "learner_achievement", Attachment.owner_id == item.id).execute()
        item.delete_instance()
        duplicates.refresh(item.catalogue_id, [item.certificate_key])
        audit.record("achievement_deleted", None, achievement_id=item.id, name=item.name)
    flash(_("Achievement deleted."), "success")
    return redirect(request.form.get("back") if safe_next(request.form.get("back")) else url_for("learner.home"))


# --- applications and their review records --------------------------------------------------


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


# --- 认定成果申请 ---------------------------------------------------------------------------


def needs_recognition():
    """Informal or non-catalogue achievements are recognised by review (SPEC §6)."""
    return (LearnerAchievement.catalogue.is_null() | (Category.kind == CategoryKind.INFORMAL)) & (
        LearnerAchievement.source == AchievementSource.SELF
    )


@bp.route("/recognition")
def recognition():
    """认定成果申请: my achievements that need recognition, filterable, with 提交认定."""
    name = (request.args.get("name") or "").strip()
    root = request.args.get("root", type=inputs.db_int)
    sub = request.args.get("category", type=inputs.db_int)
    query = LearnerAchievement.for_learner(me()).where(needs_recognition())
    if name:
        query = query.where(LearnerAchievement.name.contains(name))
    if root:
        query = query.where(Category.parent == root)
    if sub:
        query = query.where(LearnerAchievement.category == sub)
    page = paginate(query, request.args, ACHIEVEMENT_SORTS, default_sort="-created")
    roots = list(Category.roots())
    subs = list(Category.select().where(Category.parent.in_([r.id for r in roots])).order_by(
        Category.parent, Category.sort_order))
    return render_template("learner/recognition.html", page=page, roots=roots, subs=subs,
                           root_names={r.id: r.name for r in roots},
                           can_edit=editable_ids(page.items))


@bp.route("/recognition/<int:achievement_id>/submit", methods=["POST"])
def submit_recognition(achievement_id):
    item = own_achievement(achievement_id)
    try:
        workflow.submit_recognition(item, me())
    except workflow.WorkflowError as error:
        flash(str(error), "danger")
    else:
        flash(_("Recognition applied for. Please bring the paper originals to your teaching point."), "success")
    return redirect(url_for("learner.recognition"))


@bp.route("/recognition/<int:achievement_id>/records")
def recognition_records(achievement_id):
    """认定记录: every recognition attempt with its opinions."""
    item = own_achievement(achievement_id)
    applications = applications_with_reviews(
        Application.achievement == item, Application.kind == ApplicationKind.RECOGNITION
    )
    return render_template("learner/records.html", a=item, applications=applications, attempts=True,
                           title=_("Recognition records"), back=url_for("learner.recognition"), targets={})


# --- 问题反馈 -------------------------------------------------------------------------------


@bp.route("/achievements/<int:achievement_id>/feedback", methods=["POST"])
def add_feedback(achievement_id):
    """问题反馈 on an achievement an institution stored; the institution's accounts are told."""
    item = own_achievement(achievement_id)
    if not item.stored_by_id:
        abort(404)
    form = FeedbackForm()
    if not form.validate_on_submit():
        flash(_("Please describe the problem."), "warning")
        return redirect(url_for("learner.achievement", achievement_id=item.id))
    try:
        with db.atomic():
            feedback = Feedback.create(learner=me(), achievement=item, institution=item.stored_by_id,
                                       content=form.content.data.strip())
            for file in [f for f in form.attachment.data or [] if getattr(f, "filename", "")]:
                storage.save_upload(file, "feedback", feedback.id, user=me())
            audit.record("feedback_added", feedback, achievement=item.id)
            for account in permissions.institution_accounts(item.stored_by_id):
                notify.notify(account, _("New problem feedback"),
                              _("%(learner)s reported a problem about %(name)s.", learner=me().real_name, name=item.name),
                              link=notify.link_to("inst_feedback.handle_view", id=feedback.id))
    except storage.UploadError as error:
        flash(str(error), "danger")
    else:
        flash(_("Your feedback has been sent."), "success")
    return redirect(url_for("learner.achievement", achievement_id=item.id))


@bp.route("/feedback")
def feedback_list():
    query = (
        Feedback.select(Feedback, LearnerAchievement, Institution)
        .join(LearnerAchievement)
        .switch(Feedback)
        .join(Institution)
        .where(Feedback.learner == me())
    )
    page = paginate(query, request.args, {"created": Feedback.created_at, "status": Feedback.status},
                    default_sort="-created")
    return render_template("learner/feedback.html", page=page)


# --- 收件箱 ---------------------------------------------------------------------------------


@bp.route("/inbox")
def inbox():
    query = Message.select().where(Message.user == me())
    page = paginate(query, request.args, {"created": Message.created_at}, default_sort="-created")
    return render_template("learner/inbox.html", page=page)


@bp.route("/inbox/<int:message_id>", methods=["POST"])
def open_message(message_id):
    """Mark the message read and go to the page it concerns."""
    message = Message.get_or_none(Message.id == message_id, Message.user == me())
    if message is None:
        abort(404)
    Message.update(read_at=now()).where(Message.id == message.id, Message.read_at.is_null()).execute()
    return redirect(safe_next(message.link) or url_for("learner.inbox"))


@bp.route("/inbox/read-all", methods=["POST"])
def read_all():
    Message.update(read_at=now()).where(Message.user == me(), Message.read_at.is_null()).execute()
    return redirect(url_for("learner.inbox"))
