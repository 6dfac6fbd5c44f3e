"""Large imports and every export run as background jobs: the page follows their stage and
counts to the result; only the person who started a job (and center staff) see it and its files."""
from models import AuditLog, ImportBatch, Job, JobStatus, SmsPurpose, User
from services import jobs, sms
from tests import factories
from tests.excel.conftest import read_xlsx, upload, workbook_bytes

IMPORT = "/admin/x_accounts/import/"
EXPORT = "/admin/x_accounts/export/"


def learners(count):
    return workbook_bytes([["学员姓名", "身份证号"]] + [[f"学员{n}", factories.valid_id_number(5000 + n)]
                                                       for n in range(count)])


def test_a_large_import_runs_as_a_job_whose_page_reaches_100_percent(app, client_as, monkeypatch):
    app.config["IMPORT_ASYNC_ROWS"] = 10  # this workbook counts as large
    stages = []
    real_progress, real_finish = jobs.Lease.progress, jobs.Lease.finish
    monkeypatch.setattr(jobs.Lease, "progress", lambda lease, **f: (stages.append(f.get("stage")),
                                                                   real_progress(lease, **f)))
    monkeypatch.setattr(jobs.Lease, "finish", lambda lease, **f: (stages.append("done"), real_finish(lease, **f)))
    center = client_as("center")
    response = upload(center, IMPORT, learners(30))
    assert response.status_code == 302 and "/jobs/" in response.location
    job = Job.get()
    assert (job.kind, job.status, job.stage, job.done, job.total) == ("import", JobStatus.DONE, "done", 30, 30)
    assert (job.attempt, job.worker is not None) == (1, True)
    assert [s for s in stages if s] == ["reading", "reading", "validating", "writing", "done"]
    assert ImportBatch.get_by_id(job.result_batch_id).accepted == 30
    assert User.select().where(User.real_name.startswith("学员")).count() == 30
    state = center.get(response.location.rstrip("/") + "/status").get_json()
    assert state["percent"] == 100 and state["stage"] == "已完成" and state["result"].endswith(f"/import/{job.result_batch_id}/")
    page = center.get(response.location).get_data(as_text=True)
    assert 'value="100"' in page and "查看导入结果" in page


def test_a_small_import_stays_synchronous(client_as):
    response = upload(client_as("center"), IMPORT, learners(2))
    assert "/import/" in response.location and "/jobs/" not in response.location
    assert Job.select().count() == 0


def test_a_workbook_refused_while_reading_fails_the_job_with_its_reason(app, client_as):
    app.config["IMPORT_ASYNC_ROWS"] = 2
    app.config["IMPORT_MAX_ROWS"] = 3  # 20 rows: refused by the reader, inside the job
    center = client_as("center")
    response = upload(center, IMPORT, learners(20))
    job = Job.get()
    assert job.status == JobStatus.FAILED and job.error
    state = center.get(response.location.rstrip("/") + "/status").get_json()
    assert state["status"] == "failed" and state["error"] == job.error and state["result"] is None


def test_an_export_is_a_job_and_its_file_is_the_starters_only(client_as):
    center = client_as("center")
    factories.make_learner(real_name="导出学员")
    code = sms.issue_code(center.user.phone, SmsPurpose.EXPORT)
    response = center.post(EXPORT + "?search=导出", data={"code": code})
    assert response.status_code == 302 and "/jobs/" in response.location
    job = Job.get()
    assert (job.kind, job.status, job.done, job.total) == ("export", JobStatus.DONE, 1, 1)
    entry = AuditLog.get(AuditLog.action == "export")
    assert entry.details["job"] == job.id and entry.details["filter"] == {"search": "导出"}
    state = center.get(response.location.rstrip("/") + "/status").get_json()
    download = center.get(state["result"])
    assert [r[0] for r in read_xlsx(download.data)[1:]] == ["导出学员"]

    other = client_as("center")  # another member of the center staff: 后台任务 shows every job
    assert other.get(response.location).status_code == 200
    assert other.get(state["result"]).status_code == 200
    stranger = client_as("institution")
    assert stranger.get(response.location).status_code in (403, 404)
    assert stranger.get(state["result"]).status_code == 404


def test_a_job_page_answers_only_on_its_own_view(client_as):
    center = client_as("center")
    code = sms.issue_code(center.user.phone, SmsPurpose.EXPORT)
    center.post(EXPORT, data={"code": code})
    job = Job.get()
    assert center.get(f"/admin/x_accounts/jobs/{job.id}/").status_code == 200
    # A list the center cannot open: its job links lead center staff to 后台任务.
    moved = center.get(f"/admin/x_learner_achievements/jobs/{job.id}/")
    assert moved.status_code == 302 and moved.location.endswith(f"/admin/jobs/{job.id}/")
    assert center.get(f"/admin/x_accounts/jobs/{job.id + 1}/").status_code == 404
