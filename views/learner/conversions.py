"""转换成果申请 (SPEC §8, manual 002): the learner's catalogue achievements that rules
apply to, 申请转换 with materials, 进度查询 and 打印转换证明."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from peewee import fn

from models import (
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Category,
    CategoryKind,
    ConversionRule,
    Institution,
    LearnerAchievement,
    RuleSource,
)
from services import audit, certificate, inputs, ledger, storage, urls
from services.pagination import paginate
from views.learner.base import (
    ACHIEVEMENT_SORTS,
    GRANTING_KINDS,
    OPEN_STATUSES,
    applications_with_reviews,
    bp,
    me,
    own_achievement,
    own_application,
    targets_by_rule,
)
from views.learner.forms import ConversionApplyForm


def conversion_candidates(user):
    """My catalogue achievements of the conversion path, with 可转换规则数 and 已用转换规则数
    as correlated subqueries (one query per page, no N+1)."""
    rule_count = (
        RuleSource.select(fn.COUNT(RuleSource.id))
        .join(ConversionRule)
        .where(RuleSource.catalogue == LearnerAchievement.catalogue, ConversionRule.in_force_condition())
    )
    conversions = Application.select(fn.COUNT(fn.DISTINCT(Application.rule))).where(
        Application.achievement == LearnerAchievement.id,
        Application.kind.in_([ApplicationKind.CONVERSION, ApplicationKind.BATCH]),  # mine or my institution's
    )
    return (
        LearnerAchievement.for_learner(user)
        .select_extend(
            rule_count.alias("rule_count"),
            conversions.where(Application.status.in_(ledger.BLOCKING)).alias("used_count"),
            conversions.where(Application.status == ApplicationStatus.PASSED).alias("passed_count"),
            conversions.where(Application.status.in_(OPEN_STATUSES)).alias("open_count"),
            conversions.where(Application.status == ApplicationStatus.REFUSED).alias("refused_count"),
        )
        .where(
            LearnerAchievement.catalogue.is_null(False),
            Category.kind != CategoryKind.INFORMAL,
            LearnerAchievement.status.in_([AchievementStatus.CATALOGUE, AchievementStatus.RECOGNISED]),
        )
    )


@bp.route("/conversions")
def conversion():
    """转换成果申请: search (成果名称, 成果类型, 来源机构 → 查询, manual 002), select an
    achievement, then 申请转换 / 进度查询 / 查看详情 / 打印转换证明."""
    query = conversion_candidates(me())
    name = (request.args.get("q") or "").strip()[:100]
    category = request.args.get("category", type=inputs.db_int)
    institution = (request.args.get("institution") or "").strip()[:100]
    if name:
        query = query.where(LearnerAchievement.name.contains(name))
    if category:
        query = query.where(LearnerAchievement.category == category)
    if institution:
        query = query.where(Institution.name.contains(institution)
                            | LearnerAchievement.institution_name.contains(institution))
    page = paginate(query, request.args, ACHIEVEMENT_SORTS, default_sort="-created")
    categories = (Category.select().where(Category.parent.is_null(False), Category.scope == "learner",
                                          Category.kind != CategoryKind.INFORMAL, Category.active)
                  .order_by(Category.parent, Category.sort_order, Category.id))
    return render_template("learner/conversion.html", page=page, categories=list(categories))


@bp.route("/conversions/go")
def conversion_go():
    """The buttons above the list act on the selected row."""
    achievement_id = request.args.get("id", type=inputs.db_int)
    action = request.args.get("action")
    if not achievement_id:
        flash(_("Please select an achievement first."), "warning")
        return redirect(url_for("learner.conversion"))
    item = own_achievement(achievement_id)
    if action == "apply":
        return redirect(url_for("learner.conversion_apply", achievement_id=item.id))
    if action == "progress":
        return redirect(url_for("learner.conversion_progress", achievement_id=item.id))
    if action == "certificate":
        passed = (
            Application.select()
            .where(Application.achievement == item, Application.kind.in_(GRANTING_KINDS),
                   Application.status == ApplicationStatus.PASSED)
            .order_by(Application.decided_at.desc())
            .first()
        )
        if passed is None:
            flash(_("This achievement has not been converted yet."), "warning")
            return redirect(url_for("learner.conversion"))
        return redirect(url_for("learner.certificate_pdf", application_id=passed.id))
    return redirect(url_for("learner.achievement", achievement_id=item.id))


@bp.route("/conversions/<int:achievement_id>/apply", methods=["GET", "POST"])
def conversion_apply(achievement_id):
    """申请转换: the achievement, 上传相关资料, 请选择规则 — the rules in force it may still be
    applied with. A rule it was applied with already is not offered; posted anyway, the
    ledger's refusal says why."""
    item = own_achievement(achievement_id)
    rules = list(
        ledger.usable_rules(item)
        .select(ConversionRule, Institution)
        .join(Institution, on=(ConversionRule.institution == Institution.id))
    )
    form = ConversionApplyForm()
    offered = rules if request.method == "GET" else ConversionRule.applicable_to(item)
    form.rule.choices = [(r.id, r.code) for r in offered]
    if request.method == "GET":  # 申请转换 from a pathway (学分账户) names its rule
        form.rule.data = request.args.get("rule", type=inputs.db_int)
    if form.validate_on_submit():
        rule = ConversionRule.get_by_id(form.rule.data)
        files = [f for f in form.materials.data or [] if getattr(f, "filename", "")]
        try:
            ledger.submit_conversion(item, rule, me(), files=files)
        except (ledger.Refused, storage.UploadError) as error:
            form.materials.errors = [str(error)]
            flash(str(error), "danger")
        else:
            flash(_("Submitted successfully."), "success")
            return redirect(url_for("learner.conversion_progress", achievement_id=item.id))
    elif request.method == "POST" and form.rule.errors:
        form.rule.errors = [_("Please choose a rule that applies to this achievement.")]
    # The list opens the form in a dialog (SPEC §8) by loading it alone; a submission with
    # errors comes back as the whole page.
    template = "learner/_conversion_apply_form.html" if request.args.get("dialog") else "learner/conversion_apply.html"
    used_up = not rules and ConversionRule.applicable_to(item).exists()
    return render_template(template, a=item, form=form, rules=rules, used_up=used_up,
                           targets=targets_by_rule_ids([r.id for r in rules]))


def targets_by_rule_ids(rule_ids):
    return targets_by_rule([Application(rule=rule_id) for rule_id in rule_ids])


@bp.route("/conversions/<int:achievement_id>/progress")
def conversion_progress(achievement_id):
    """进度查询: the conversion applications of the achievement and their review records."""
    item = own_achievement(achievement_id)
    applications = applications_with_reviews(
        Application.achievement == item, Application.kind.in_(GRANTING_KINDS)
    )
    return render_template("learner/records.html", a=item, applications=applications,
                           title=_("Progress query"), back=url_for("learner.conversion"),
                           targets=targets_by_rule(applications))


@bp.route("/applications/<int:application_id>/certificate.pdf")
def certificate_pdf(application_id):
    """打印转换证明: a PDF of a passed conversion, with its verification code."""
    application = own_application(application_id)
    if application.kind not in GRANTING_KINDS or application.status != ApplicationStatus.PASSED:
        abort(404)
    pdf = certificate.render(application, verify_url=urls.public_url(
        "portal.verify", code=application.certificate_code))
    audit.record("certificate_printed", application, code=application.certificate_code)
    return pdf, 200, {
        "Content-Type": "application/pdf",
        "Content-Disposition": f"inline; filename=certificate-{application.certificate_code}.pdf",
    }
