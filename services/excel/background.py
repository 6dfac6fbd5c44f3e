"""Large imports and every export as background jobs (SPEC §15): the web request stores
the upload (or the export's filter) and a ``Job`` row, the job consumer does the work
under the job's lease (services/jobs.py) and records its stage and counts, the page
shows a progress bar and the result links.

Each run is all-or-nothing — an import is one transaction that also records the job as
done, an export's file counts only once the job says done — so a run cut short (its
consumer killed, the job cancelled) leaves nothing, and starting the job again from its
beginning is safe.

A job runs with the rights of the person who asked: an export is rebuilt inside a request
context for the saved list URL with that person signed in, so the list view's own scope
(``scope()``, filters, selection) decides what goes into the file — the same rows the
person would have downloaded at once. The list views are found by endpoint through
``current_app.extensions["list_views"]``, which the admin registers (services import
nothing from admin)."""
import logging
import os
import tempfile

from flask import current_app
from flask_babel import gettext as _

from models import Attachment, Job, User, db, now
from services import audit, jobs, storage
from services.excel.columns import ImportFileError
from services.excel.export import write_export
from services.excel.kinds import KINDS
from services.excel.pipeline import run_import as import_file

log = logging.getLogger(__name__)
XLSX_MIME = storage.XLSX_MIME


# --- starting ----------------------------------------------------------------------------


def start_import(view_endpoint, kind, path, filename, user, target):
    """Keep the uploaded workbook in the file store and queue its import."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    stored_name = f"import-source.{extension if extension in ('xls', 'xlsx') else 'bin'}"
    source = storage.save_file(path, stored_name, "job", purpose="import_source", mime="application/octet-stream",
                               user=user)
    params = {"kind": kind.code, "target": getattr(target, "id", None), "filename": filename, "source": source.id}
    with db.atomic():
        job = Job.create(kind="import", user=user, view=view_endpoint, params=params, queued_at=now())
        storage.attach([source], job.id)
    jobs.hand_over(job.id)
    return Job.get_by_id(job.id)


def start_export(view_endpoint, url, user, name):
    """Queue the export of the list at ``url`` (its filter, sort or selection) for ``user``."""
    return jobs.start("export", user, view_endpoint, {"url": url, "name": str(name)})


# --- running -----------------------------------------------------------------------------


def run(job_id):
    """Run job ``job_id`` if it is queued (the consumer's task, and the tests' immediate mode)."""
    lease = jobs.claim(job_id)
    if lease is None:
        return  # delivered twice, cancelled, or running elsewhere
    job = Job.get_by_id(job_id)
    with jobs.holding(lease):
        try:
            RUNNERS[job.kind](job, lease)
        except jobs.LeaseLost:
            log.info("job %s attempt %s stopped: cancelled or taken over", job_id, lease.attempt)
        except ImportFileError as error:
            lease.fail(error)
        except Exception:
            lease.fail(FAILURES[job.kind]())
            raise


def _run_import(job, lease):
    params = job.params
    kind = KINDS[params["kind"]]
    target = kind.get_target(job.user, params["target"]) if params.get("target") else None

    def progress(stage, done, total):
        lease.progress(stage=stage, done=done, total=total)

    source = Attachment.get_by_id(params["source"])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "upload")
        with storage.open_stored(source) as stored, open(path, "wb") as copy:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                copy.write(chunk)
        lease.progress(stage="reading", done=0, total=None)

        def finish(batch):  # inside the import's transaction: done with its rows, or neither
            rows = batch.accepted + batch.rejected  # every row was processed; the result page splits them
            lease.finish(result_batch=batch.id, done=rows, total=rows)

        import_file(kind, path, params["filename"], job.user, target, progress=progress, before_commit=finish)


def _view(endpoint):
    return current_app.extensions["list_views"](endpoint)


def _run_export(job, lease):
    user = User.get_by_id(job.user_id)
    view = _view(job.view)
    with current_app.test_request_context(job.params["url"]):
        from flask import request
        from flask_login import login_user

        login_user(user)
        if not view.is_accessible():  # rights withdrawn since the export was asked for
            lease.fail(_("You may no longer export this list."))
            return
        query = view.export_query()
        lease.progress(stage="writing", total=query.order_by().count())
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "export.xlsx")
            rows = write_export(path, query, view.export_columns, sheet_name=job.params["name"],
                                progress=lambda done: lease.progress(done=done))
            stamp = now().strftime("%Y%m%d%H%M")
            filters = {k: v for k, v in request.args.items() if k != "ids"}
            selected = len(view.selected_ids()) or None
            with db.atomic():  # the file counts only with the job done (an orphan otherwise, swept)
                result = storage.save_file(path, f"{job.params['name']}-{stamp}.xlsx", "job", job.id,
                                           purpose="export", user=user)
                audit.record("export", None, user=user, view=job.view, rows=rows, filter=filters, selected=selected,
                             job=job.id)
                lease.finish(result_file=result.id, done=rows, total=rows)


RUNNERS = {"import": _run_import, "export": _run_export}
FAILURES = {
    "import": lambda: _("The import failed; nothing was imported. Please try again or contact the center."),
    "export": lambda: _("The export failed. Please try again."),
}
