"""后台任务: every background job (large imports, exports) of every user — its state, who
started it on which list, how far it came, what went wrong — with 取消 and 重试, and each
job's page (the one its starter sees, with the buttons). Center staff only; a center user
following a starter's job link lands here (``ExcelMixin.inaccessible_callback``)."""
from flask import abort, flash, jsonify, redirect, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from peewee import JOIN

from admin import flask_admin_adapter
from admin.base import SecureForm, WhereFilter
from admin.center.base import CenterModelView
from admin.excel import job_state
from models import Institution, Job, JobStatus, User
from services import jobs, transitions

KINDS = {"import": _l("Import"), "export": _l("Export")}


class JobActionForm(SecureForm):
    """The CSRF token of the page's 取消 / 重试 buttons."""


def _list_name(view, endpoint):
    try:
        return flask_admin_adapter.view_by_endpoint(view.admin, endpoint).name
    except LookupError:
        return endpoint


def _starter(model):
    user = model.user
    institution = f" · {user.institution.name}" if user.institution_id else ""
    return f"{user.real_name} ({user.username}){institution}"


def _state(view, context, model, name):
    state = job_state(model)
    detail = state["error"] or state["note"] or ""
    return Markup('<a href="{}">{}</a> · {}%<div class="small text-muted">{}</div>').format(
        url_for("jobs.job_view", job_id=model.id), state["status_label"], state["percent"], detail)


class JobView(CenterModelView):
    can_view_details = False
    column_list = ("id", "created_at", "kind", "view", "user", "status", "attempt", "finished_at")
    column_labels = dict(zip(column_list, (
        _l("Job number"), _l("Started at"), _l("Kind"), _l("List"), _l("Started by"), _l("State and progress"),
        _l("Runs"), _l("Ended at")), strict=True))
    column_sortable_list = ("id", "created_at", "status")
    column_default_sort = ("id", True)
    column_filters = (
        WhereFilter(Job.status, _l("State"), lambda v: Job.status == v, options=JobStatus.choices),
        WhereFilter(Job.kind, _l("Kind"), lambda v: Job.kind == v, options=lambda: list(KINDS.items())),
    )
    column_formatters = {
        "kind": lambda v, c, m, n: KINDS.get(m.kind, m.kind),
        "view": lambda v, c, m, n: _list_name(v, m.view),
        "user": lambda v, c, m, n: _starter(m),
        "status": _state,
    }

    def base_query(self):
        return (Job.select(Job, User, Institution)
                .join(User, on=(Job.user == User.id))
                .join(Institution, JOIN.LEFT_OUTER, on=(User.institution == Institution.id))
                .switch(Job))

    @action("cancel", _l("Cancel"), _l("Cancel the selected jobs? Nothing of a cancelled job is kept."))
    def action_cancel(self, ids):
        done = self._each(ids, jobs.cancel)
        if done:
            flash(_("%(count)s jobs were cancelled.", count=done), "success")

    @action("retry", _l("Retry"), _l("Start the selected failed or cancelled jobs again from the beginning?"))
    def action_retry(self, ids):
        done = self._each(ids, jobs.retry)
        if done:
            flash(_("%(count)s jobs were started again.", count=done), "success")

    def _each(self, ids, act):
        done = 0
        for job in self.scoped(ids):
            try:
                act(job, current_user._get_current_object())
                done += 1
            except transitions.TransitionRefused:
                flash(_("Job %(id)s: %(state)s, left as it is.", id=job.id, state=JobStatus.label(job.status)),
                      "warning")
        return done

    # --- one job's page -----------------------------------------------------------------

    def _one(self, job_id):
        job = self.get_one(job_id)
        if job is None:
            abort(404)
        return job

    @expose("/<int:job_id>/")
    def job_view(self, job_id):
        job = self._one(job_id)
        return self.render("admin/center/job.html", job=job, state=self._state_of(job), form=JobActionForm(),
                           list_name=_list_name(self, job.view), starter=_starter(job),
                           consumers=jobs.live_consumers())

    @expose("/<int:job_id>/status")
    def job_status(self, job_id):
        return jsonify(self._state_of(self._one(job_id)))

    @expose("/<int:job_id>/cancel", methods=("POST",))
    def job_cancel(self, job_id):
        return self._act(job_id, jobs.cancel, _("The job was cancelled."))

    @expose("/<int:job_id>/retry", methods=("POST",))
    def job_retry(self, job_id):
        return self._act(job_id, jobs.retry, _("The job was started again."))

    def _act(self, job_id, act, done):
        job = self._one(job_id)
        if not JobActionForm().validate_on_submit():
            abort(400)
        try:
            act(job, current_user._get_current_object())
        except transitions.TransitionRefused as error:
            flash(str(error), "error")
        else:
            flash(done, "success")
        return redirect(url_for(".job_view", job_id=job.id))

    def _state_of(self, job):
        result = None
        if job.result_batch_id:
            result = url_for("files.show", attachment_id=job.result_batch.accepted_file_id, download=1) \
                if job.result_batch.accepted_file_id else None
        elif job.result_file_id:
            result = url_for("files.show", attachment_id=job.result_file_id, download=1)
        return job_state(job, result)


def register(admin, menu_system):
    admin.add_view(JobView(Job, name=_l("Background jobs"), category=menu_system, endpoint="jobs"))
