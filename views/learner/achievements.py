"""成果添加 and an achievement's pages (SPEC §4–§6): add one from the catalogue or by hand
(the subcategory's form), 查看详情, 修改 and 删除 while nothing about it is under review.
Every write goes through ``services.records.achievements``."""
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import (
    AchievementStatus,
    Application,
    Attachment,
    CatalogueAchievement,
    Category,
    Feedback,
)
from services.files import storage
from services.records import achievements
from services.records.errors import Refused
from services.records.field_schema import schema_form_data, schema_values, show_refusals
from views.auth import safe_next
from views.learner.base import (
    applications_with_reviews,
    bp,
    catalogue_page,
    me,
    own_achievement,
    targets_by_rule,
)
from views.learner.forms import FeedbackForm, achievement_form_class
from web import inputs


def learner_subcategory(category_id):
    if not category_id:
        return None
    return Category.get_or_none(
        Category.id == category_id, Category.parent.is_null(False), Category.scope == "learner", Category.active
    )


def catalogue_json(catalogue_achievement, category):
    """What 成果选择 shows of a catalogue achievement, and the catalogue fields 确认 fills in."""
    values = catalogue_achievement.fields or {}
    fields = [
        {"name": spec["name"], "label": spec["label"], "value": str(values.get(spec["name"], ""))}
        for spec in (category.catalogue_fields() if category else [])
    ]
    return {
        "id": catalogue_achievement.id,
        "project_name": catalogue_achievement.project_name,
        "name": catalogue_achievement.name,
        "institution": catalogue_achievement.institution.name,
        "issuer": catalogue_achievement.issuing_body,
        "credits": str(catalogue_achievement.credits) if catalogue_achievement.credits is not None else "",
        "intro": catalogue_achievement.intro or "",
        "fields": fields,
    }


@bp.route("/catalogue")
def catalogue_search():
    """成果选择: search by 项目名称, 成果名称, 资历机构名称 (combinable), paged; JSON for the dialog."""
    category = learner_subcategory(request.args.get("category", type=inputs.db_int))
    _form, page = catalogue_page(request.args, category)
    return jsonify(
        items=[catalogue_json(catalogue_achievement, category) for catalogue_achievement in page.items],
        page=page.number,
        pages=page.pages,
        total=page.total,
    )


def catalogue_achievement_for(category, catalogue_id):
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
    catalogue_achievement = None if manual_entry else catalogue_achievement_for(category, form.catalogue_id.data)
    valid = request.method == "POST" and form.validate()
    if request.method == "POST" and not manual_entry and catalogue_achievement is None:
        form.catalogue_id.errors = [_("Please search and choose the achievement, or enter it by hand")]
        valid = False
    if valid:
        achievement = _save_new_achievement(form, category, catalogue_achievement)
        if achievement is not None:
            flash(_("Achievement added: %(name)s (%(status)s).", name=achievement.name,
                    status=AchievementStatus.label(achievement.status)), "success")
            return redirect(url_for("learner.achievement", achievement_id=achievement.id))
    return render_template(
        "learner/achievement_new.html", roots=roots, root_id=root_id, children=children, category=category,
        form=form, manual_entry=manual_entry,
        catalogue_achievement=catalogue_json(catalogue_achievement, category) if catalogue_achievement else None,
    )


def _evidence_files(form):
    return [f for f in form.evidence.data or [] if getattr(f, "filename", "")]


def _save_new_achievement(form, category, catalogue_achievement):
    """Add the achievement through its service; None with the refusals on the form."""
    manual = catalogue_achievement is None
    try:
        return achievements.add_own(
            me(), category, catalogue_achievement, schema_values(form, category.field_schema or []),
            name=form.name.data if manual else None,
            institution_name=getattr(form, "institution_name", None) and form.institution_name.data,
            description=form.description.data, files=_evidence_files(form),
        )
    except Refused as refused:
        show_refusals(form, refused, "catalogue_id" if catalogue_achievement else "name")
    except storage.UploadError as error:
        form.evidence.errors = [str(error)]
    return None


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
        can_edit=achievements.editable(item),
        can_delete=achievements.deletable(item),
        feedback_form=FeedbackForm() if item.stored_by_id else None,
        feedback=list(Feedback.select().where(Feedback.achievement == item).order_by(Feedback.id.desc())),
    )


@bp.route("/achievements/<int:achievement_id>/edit", methods=["GET", "POST"])
def edit_achievement(achievement_id):
    item = own_achievement(achievement_id)
    if not achievements.editable(item):
        flash(str(achievements.NOT_EDITABLE), "warning")
        return redirect(url_for("learner.achievement", achievement_id=item.id))
    manual_entry = item.catalogue_id is None
    form_class = achievement_form_class(item.category, manual_entry)
    data = {"description": item.description, **schema_form_data(item.category.field_schema or [], item.fields)}
    if manual_entry:
        data.update(name=item.name, institution_name=item.institution_name)
    form = form_class(data=data) if request.method == "GET" else form_class()
    evidence = list(Attachment.of("learner_achievement", item.id))
    if request.method == "POST" and form.validate():
        removed = {int(i) for i in request.form.getlist("remove_evidence") if i.isdigit() and len(i) < 19}
        try:
            achievements.modify_own(
                me(), item, schema_values(form, item.category.field_schema or []),
                name=form.name.data if manual_entry else None,
                institution_name=getattr(form, "institution_name", None) and form.institution_name.data,
                description=form.description.data, add_files=_evidence_files(form), remove_ids=removed,
            )
        except Refused as refused:
            show_refusals(form, refused, "description")
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
    try:
        achievements.delete_own(me(), item)
    except Refused as refused:
        flash(str(refused), "warning")
        return redirect(url_for("learner.achievement", achievement_id=item.id))
    flash(_("Achievement deleted."), "success")
    return redirect(request.form.get("back") if safe_next(request.form.get("back")) else url_for("learner.home"))
