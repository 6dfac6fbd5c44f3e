"""申请转换 of 与我相关的转换规则 (seed 004 §2.3.2): under another institution's published
rule whose source is one of my institution's achievements, pick my learners holding that
source (批量选择学员) — some, or none for every learner matching the filter — and send
one batch of applications through ``ledger.submit_batch``."""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.institution.base import InstitutionPage
from admin.institution.conversion_common import (
    actor,
    chosen_ids,
    filter_learners,
    learner_filters,
    source_names,
    target_names,
)
from models import Application, ConversionRule, Institution, LearnerAchievement, Permission, User
from services import ledger, permissions, rule_versions
from services.pagination import paginate
from services.validators import mask_id


class BatchApplyView(InstitutionPage):
    permission = Permission.RULES

    def is_visible(self):
        return False  # opened from 与我相关的转换规则 (转换规则管理)

    def rules(self):
        return permissions.batchable_rules(current_user)

    @expose("/")
    def index(self):
        """The rules I may 申请转换 under (the 与我相关的转换规则 tab links each one here)."""
        query = self.rules().select(ConversionRule, Institution).join(Institution)
        page = paginate(query, request.args, {"code": ConversionRule.code}, "-code")
        rule_ids = [rule.id for rule in page.items]
        return self.render("admin/institution/batch_rules.html", page=page, sources=source_names(rule_ids),
                           targets=target_names(rule_ids))

    def holders(self, rule):
        """批量选择学员: my learners holding the rule's source, filtered by name / ID number."""
        return filter_learners(
            ledger.batch_holders(current_user.institution_id, rule.id)
            .select(LearnerAchievement, User)
            .join(User, on=(LearnerAchievement.learner == User.id))
        )

    @expose("/apply/<int:rule_id>/", methods=("GET", "POST"))
    def apply(self, rule_id):
        rule = self.rules().where(ConversionRule.id == rule_id).first()
        if rule is None:
            abort(404)
        query = self.holders(rule)
        if request.method == "POST":
            ids = chosen_ids()
            chosen = query.where(LearnerAchievement.id.in_(ids)) if ids else query
            try:
                batch = ledger.submit_batch(current_user.institution, rule, chosen, actor())
            except ledger.Refused as error:
                flash(str(error), "error")
            else:
                flash(_("Conversion applications were sent for %(count)s learners.", count=batch.created), "success")
                if batch.skipped:
                    flash(_("%(count)s learners already hold an application under this rule and were skipped.",
                            count=batch.skipped), "warning")
                if permissions.has_permission(current_user, Permission.RECORDS):
                    return redirect(url_for("inst_records_out.index_view"))
            return redirect(url_for(".apply", rule_id=rule.id, **learner_filters()))
        page = paginate(query, request.args, {"name": User.real_name, "stored": LearnerAchievement.created_at}, "name")
        return self.render(
            "admin/institution/batch_apply.html", rule=rule, page=page, filters=learner_filters(), mask_id=mask_id,
            applied=applied_under(rule, [holding.learner_id for holding in page.items]),
            sources=source_names([rule.id]).get(rule.id, []), targets=target_names([rule.id]).get(rule.id, []),
        )


def applied_under(rule, learner_ids):
    """The page's learners who already applied under the rule (any version): their latest
    application's status, so the list says why 申请转换 will skip them."""
    rows = (Application.select(Application.learner, Application.status)
            .where(Application.rule.in_(rule_versions.lineage_rules(rule)), Application.learner.in_(learner_ids))
            .order_by(Application.id))
    return {row.learner_id: row.status for row in rows}


def register(admin):
    admin.add_view(BatchApplyView(name=_l("Apply for conversion"), endpoint="inst_batch"))
