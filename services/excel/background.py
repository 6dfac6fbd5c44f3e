"""Large imports and every export as background jobs (SPEC §15): the web request stores
the upload (or the export's filter) and a ``Job`` row, the job consumer does the work and
records its stage and counts, the page shows a progress bar and the result links.

A job runs with the rights of the person who asked: an export is rebuilt inside a request
context for the saved list URL with that person signed in, so the list view's own scope
(``scope()``, filters, selection) decides what goes into the file — the same rows the
person would have downloaded at once."""
import os
import tempfile

from flask import current_app
from flask_babel import gettext as _

from admin import flask_admin_adapter
from models import Job, JobStatus, User, now
from services import audit, storage, transitions
from services.excel.columns import ImportFileError
from services.excel.export import write_export
from services.excel.kinds import KINDS
from services.excel.pipeline import run_import as import_file

XLSX_MIME = storage.XLSX_MIME


def _update(job_id, to=None, **fields):
    """Progress fields; with ``to`` the status too, as a declared move (services.transitions)."""
    if to is None:
        Job.update(**fields).where(Job.id == job_id).execute()
    else:
        transitions.move(Job, to, where=[Job.id == job_id], changes=fields)


def _claim(job_id):
    """queued → running by a conditional update: a job delivered twice runs once."""
    return transitions.move(Job, JobStatus.RUNNING, where=[Job.id == job_id])


def _finish(job_id, **fields):
    _update(job_id, to=JobStatus.DONE, stage="done", finished_at=now(), **fields)


def _fail(job_id, message):
    _update(job_id, to=JobStatus.FAILED, stage="failed", error=str(message)[:500], finished_at=now())


# --- imports ----------------------------------------------------------------------------


def start_import(view_endpoint, kind, path, filename, user, target):
    """Keep the uploaded workbook in the file store and queue its import."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    stored_name = f"import-source.{extension if extension in ('xls', 'xlsx') else 'bin'}"
    source = storage.save_file(path, stored_name, "job", purpose="import_source", mime="application/octet-stream",
                               user=user)
    job = Job.create(
        kind="import", user=user, view=view_endpoint,
        params={"kind": kind.code, "target": getattr(target, "id", None), "filename": filename, "source": source.id},
    )
    storage.attach([source], job.id)
    from services import jobs

    jobs.run_import_job(job.id)
    return job


def run_import(job_id):
    if not _claim(job_id):
        return
    job = Job.get_by_id(job_id)
    params = job.params
    kind = KINDS[params["kind"]]
    target = kind.get_target(job.user, params["target"]) if params.get("target") else None

    def progress(stage, done, total):
        _update(job_id, stage=stage, done=done, total=total)

    from models import Attachment

    source = Attachment.get_by_id(params["source"])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "upload")
        with storage.open_stored(source) as stored, open(path, "wb") as copy:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                copy.write(chunk)
        try:
            batch = import_file(kind, path, params["filename"], job.user, target, progress=progress)
        except ImportFileError as error:
            _fail(job_id, error)
            return
        except Exception:
            _fail(job_id, _("The import failed; nothing was imported. Please try again or contact the center."))
            raise
    rows = batch.accepted + batch.rejected  # every row was processed; the result page splits them
    _finish(job_id, result_batch=batch.id, done=rows, total=rows)


# --- exports ----------------------------------------------------------------------------


def start_export(view_endpoint, url, user, name):
    """Queue the export of the list at ``url`` (its filter, sort or selection) for ``user``."""
    job = Job.create(kind="export", user=user, view=view_endpoint, params={"url": url, "name": str(name)})
    from services import jobs

    jobs.run_export_job(job.id)
    return job


def _view(endpoint):
    return flask_admin_adapter.view_by_endpoint(current_app.extensions["admin"][0], endpoint)


def run_export(job_id):
    if not _claim(job_id):
        return
    job = Job.get_by_id(job_id)
    user = User.get_by_id(job.user_id)
    view = _view(job.view)
    try:
        with current_app.test_request_context(job.params["url"]):
            from flask_login import login_user

            login_user(user)
            if not view.is_accessible():  # rights withdrawn since the export was asked for
                _fail(job_id, _("You may no longer export this list."))
                return
            query = view.export_query()
            _update(job_id, stage="writing", total=query.order_by().count())
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "export.xlsx")
                rows = write_export(path, query, view.export_columns, sheet_name=job.params["name"],
                                          progress=lambda done: _update(job_id, done=done))
                stamp = now().strftime("%Y%m%d%H%M")
                result = storage.save_file(path, f"{job.params['name']}-{stamp}.xlsx", "job", job_id,
                                           purpose="export", user=user)
            from flask import request

            filters = {k: v for k, v in request.args.items() if k != "ids"}
            selected = len(view._selected_ids()) or None
            audit.record("export", None, user=user, view=job.view, rows=rows, filter=filters, selected=selected,
                         job=job_id)
    except Exception:
        _fail(job_id, _("The export failed. Please try again."))
        raise
    _finish(job_id, result_file=result.id, done=rows, total=rows)
