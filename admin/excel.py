"""导入 / 导入记录 / 导出 for any Flask-Admin list (SPEC §9, §11).

Mix ``ExcelMixin`` into a ``SecureModelView`` subclass (before it) and declare what the
list imports and exports; the screens, their access (the view's own ``roles`` and
``permission``), the SMS check and the audit entry come with it::

    class LearnerAccountView(ExcelMixin, SecureModelView):
        import_kinds = (excel.LEARNER_ACCOUNTS,)  # kinds of services.excel.kinds
        export_columns = (excel.ExportColumn("学员姓名", User.real_name), ...)
        export_name = "学员账户"                   # file name stem (default: the view name)

URLs (relative to the view): ``import/`` (``?kind=`` when it has several kinds,
``?target=<id>`` to fix the target, e.g. the institution achievement learners are
imported under), ``import/template/``, ``import/<batch id>/`` (the result),
``imports/`` (导入记录 of the last year, ``?target=`` filters), ``export/`` (takes
the list's own query string: filters, search, sort; or ``?ids=1,2`` from the 导出
action on selected rows). A view with its own ``list_template`` should extend
``admin/excel/list.html`` to keep the 导入 / 导入记录 / 导出 buttons.
"""
import datetime as dt
import os
import shutil
import tempfile

from flask import abort, after_this_request, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from peewee import JOIN
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from admin import flask_admin_adapter as fa
from models import ImportBatch, Job, JobStatus, SmsPurpose, User, now
from services import downloads, excel, inputs, jobs, permissions, sms, storage
from services.excel import background
from services.pagination import paginate

RECORD_DAYS = 365


class ImportForm(FlaskForm):
    target = SelectField(_l("Type"), coerce=int, validate_choice=False)
    file = FileField(_l("Spreadsheet (.xls or .xlsx)"))


class ExportForm(FlaskForm):
    code = StringField(_l("Verification code"), validators=[DataRequired()])


class ExcelMixin:
    import_kinds = ()
    export_columns = ()
    export_name = None
    list_template = "admin/excel/list.html"

    # --- helpers --------------------------------------------------------------------------

    def _import_kind(self):
        """The view's kind named by ``?kind=<code>`` (its first one by default); 404 for another."""
        if not self.import_kinds:
            abort(404)
        code = request.values.get("kind") or self.import_kinds[0].code
        kind = next((k for k in self.import_kinds if k.code == code), None)
        if kind is None:
            abort(404)
        return kind

    def import_args(self):
        """The list's arguments for its 导入 / 导入记录 tabs: a list filtered by ``kind``
        (机构成果's 学历 / 非学历) names a kind of achievement, not an import kind, so it is
        left out there rather than sending the tab to a 404."""
        args = request.args.to_dict()
        if args.get("kind") not in {k.code for k in self.import_kinds}:
            args.pop("kind", None)
        return args

    def _target(self, kind, value):
        """The kind's target the user may use, or None; 404 for a forged id."""
        if not kind.needs_target:
            return None
        try:
            target_id = int(value)
        except (TypeError, ValueError):
            return None
        target = kind.get_target(current_user, target_id)
        if target is None:
            abort(404)
        return target

    def _records(self):
        since = now() - dt.timedelta(days=RECORD_DAYS)
        query = ImportBatch.select(ImportBatch, User).join(User, on=(ImportBatch.operator == User.id), join_type=JOIN.LEFT_OUTER)
        query = query.where(ImportBatch.kind.in_([k.code for k in self.import_kinds]), ImportBatch.created_at >= since)
        return permissions.scope_imports(query, current_user)

    # --- 导入 -------------------------------------------------------------------------------

    @expose("/import/", methods=("GET", "POST"))
    def import_view(self):
        kind = self._import_kind()
        form = ImportForm()
        fixed = request.args.get("target")
        if kind.needs_target:
            form.target.label.text = str(kind.target_label)
            form.target.choices = kind.targets(current_user)
            if fixed:
                target = self._target(kind, fixed)
                form.target.choices = [(target.id, str(target))]
        if request.method == "POST" and form.validate_on_submit():
            target = self._target(kind, form.target.data) if kind.needs_target else None
            upload = form.file.data
            if kind.needs_target and target is None:
                form.target.errors = [_("Please choose")]
            elif upload is None or not upload.filename:
                form.file.errors = [_("Please choose a file")]
            else:
                try:
                    result = self._run_import(kind, upload, target)
                except excel.ImportFileError as error:
                    form.file.errors = [str(error)]
                else:
                    if isinstance(result, Job):  # a large workbook: its page follows the job
                        return redirect(self.get_url(".job_view", job_id=result.id))
                    return redirect(self.get_url(".import_result", batch_id=result.id, kind=kind.code))
        return self.render(
            "admin/excel/import.html", form=form, kind=kind, kinds=self.import_kinds, fixed=fixed
        )

    def _run_import(self, kind, upload, target):
        """Copy the upload to a temporary file (size-capped while copying) and import it:
        at once when it is small, else as a background job whose page shows progress."""
        limit = current_app.config["IMPORT_MAX_MB"] * storage.MB
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "upload")
            with open(path, "wb") as out:
                copied = 0
                for chunk in iter(lambda: upload.stream.read(1024 * 1024), b""):
                    copied += len(chunk)
                    if copied > limit:
                        raise excel.ImportFileError(_("The file is larger than %(mb)s MB.", mb=limit // storage.MB))
                    out.write(chunk)
            user = current_user._get_current_object()
            # What is wrong with the file as a whole is said here, at once; a long one is a job.
            if excel.estimated_rows(path) > current_app.config["IMPORT_ASYNC_ROWS"]:
                return background.start_import(self.endpoint, kind, path, upload.filename, user, target)
            batch = excel.run_import(kind, path, upload.filename, user, target)
        flash(_("Import finished."), "success")
        return batch

    @expose("/import/template/")
    def import_template(self):
        kind = self._import_kind()
        target = self._target(kind, request.args.get("target"))
        if kind.needs_target and target is None:
            flash(_("Please choose the type first."), "error")
            return redirect(self.get_url(".import_view", kind=kind.code))
        tmp = tempfile.mkdtemp()
        path = os.path.join(tmp, "template.xlsx")
        excel.write_template(path, kind, target)

        @after_this_request
        def cleanup(response):
            response.call_on_close(lambda: shutil.rmtree(tmp, ignore_errors=True))
            return response

        response = send_file(path, mimetype=storage.XLSX_MIME, as_attachment=True,
                             download_name=kind.template_name(target))
        return downloads.ascii_fallback(response, f"template-{kind.code}.xlsx")

    @expose("/import/<int:batch_id>/")
    def import_result(self, batch_id):
        batch = self._records().where(ImportBatch.id == batch_id).first()
        if batch is None:
            abort(404)
        rejected = []
        if batch.rejected_file_id and batch.rejected:
            rejected = excel.first_reasons(batch.rejected_file)
        return self.render("admin/excel/import_result.html", batch=batch, reasons=rejected, kind=excel.KINDS[batch.kind])

    @expose("/imports/")
    def import_records(self):
        query = self._records()
        target = request.args.get("target", type=inputs.db_int)
        if target:
            query = query.where(ImportBatch.target_id == target)
        page = paginate(query, request.args, {"created_at": ImportBatch.created_at}, "-created_at")
        return self.render("admin/excel/imports.html", page=page, kinds=excel.KINDS)

    # --- 导出 -------------------------------------------------------------------------------

    def is_action_allowed(self, name):
        if name == "export" and not self.export_columns:
            return False
        return super().is_action_allowed(name)

    @action("export", _l("Export"))
    def action_export(self, ids):
        return redirect(self.get_url(".export_view", ids=",".join(str(i) for i in ids)))

    def selected_ids(self):
        raw = request.args.get("ids", "")
        return [int(v) for v in raw.split(",") if v.strip().isdigit()]

    def export_query(self):
        """Selected rows (scoped), else every row matching the list's filter and sort."""
        ids = self.selected_ids()
        if ids:
            pk = self.model._meta.primary_key
            return self.scope(self.base_query()).where(pk.in_(ids)).order_by(pk)
        view_args = fa.list_arguments(self)
        _count, query = self.get_list(
            None,
            fa.sort_column_name(self, view_args.sort),
            view_args.sort_desc,
            view_args.search,
            view_args.filters,
            execute=False,
            page_size=0,
        )
        return query

    @expose("/export/", methods=("GET", "POST"))
    def export_view(self):
        if not self.export_columns:
            abort(404)
        form = ExportForm()
        phone = current_user.phone
        query = self.export_query()
        if request.method == "POST" and form.validate_on_submit():
            if not phone:
                form.code.errors = [_("Your account has no bound mobile phone")]
            else:
                try:
                    sms.verify_code(phone, SmsPurpose.EXPORT, form.code.data)
                except sms.CodeError as error:
                    form.code.errors = [str(error)]
                else:
                    job = background.start_export(
                        self.endpoint, request.full_path, current_user._get_current_object(),
                        self.export_name or self.name,
                    )
                    return redirect(self.get_url(".job_view", job_id=job.id))
        status = 400 if request.method == "POST" else 200
        count = query.order_by().count()
        return self.render("admin/excel/export.html", form=form, phone=phone, count=count), status

    # --- background jobs (large imports, every export) -------------------------------------

    def _job(self, job_id):
        job = permissions.scope_jobs(Job.select(), current_user).where(Job.id == job_id, Job.view == self.endpoint)
        job = job.first()
        if job is None:
            abort(404)
        return job

    @expose("/jobs/<int:job_id>/")
    def job_view(self, job_id):
        job = self._job(job_id)
        return self.render("admin/excel/job.html", job=job, state=self._job_state(job))

    @expose("/jobs/<int:job_id>/status")
    def job_status(self, job_id):
        return jsonify(self._job_state(self._job(job_id)))

    def _job_state(self, job):
        result = None
        if job.result_batch_id:
            result = self.get_url(".import_result", batch_id=job.result_batch_id)
        elif job.result_file_id:
            result = url_for("files.show", attachment_id=job.result_file_id, download=1)
        return job_state(job, result)

    def inaccessible_callback(self, name, **kwargs):
        """Center staff opening a job's page of a list they cannot open (a link from the
        starter) see the job under 后台任务."""
        job_id = request.view_args.get("job_id") if request.view_args else None
        if job_id is not None and permissions.sees_every_job(current_user):
            return redirect(url_for("jobs.job_view", job_id=job_id))
        return super().inaccessible_callback(name, **kwargs)


JOB_STAGES = {
    "queued": _l("Waiting for its turn"),
    "reading": _l("Reading the workbook"),
    "validating": _l("Checking the rows"),
    "writing": _l("Writing"),
    "done": _l("Finished"),
    "failed": _l("Failed"),
}
FINAL = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


def job_state(job, result=None):
    """What a job's page shows and its status URL answers: the state and stage in words, a
    percentage, the result link, and what happened (a failure, a cancellation, a restart
    after the consumer stopped, a consumer that does not answer)."""
    weights = {"queued": 0, "reading": 10, "validating": 40, "writing": 60, "done": 100, "failed": 100}
    percent = weights.get(job.stage, 0)
    if job.stage == "writing" and job.total:
        percent = 60 + int(39 * min(job.done, job.total) / job.total)
    final = job.status in FINAL
    note = None
    if not final:
        note = str(STALLED) if jobs.stalled(job) else job.error  # e.g. started again after an interruption
    stage = JOB_STAGES.get(job.stage, job.stage)
    if job.status == JobStatus.CANCELLED:
        stage = JobStatus.label(job.status)
    return {
        "status": job.status, "status_label": str(JobStatus.label(job.status)), "stage": str(stage),
        "percent": percent, "done": job.done, "total": job.total, "result": result, "final": final,
        "error": job.error if final and job.status != JobStatus.DONE else None, "note": note,
        "attempt": job.attempt,
    }


STALLED = _l("The job consumer running this job is not answering; if it has stopped, the job is started again "
             "within a few minutes.")
