"""后台任务: center staff see every background job — state, who started it on which list,
progress, error — and cancel or retry it; nobody else opens the page."""
import re

import pytest

from models import AuditLog, Job, JobStatus
from services import jobs
from tests import factories


@pytest.fixture
def held(monkeypatch):
    monkeypatch.setattr(jobs, "hand_over", lambda job_id: None)


def a_job(status=JobStatus.QUEUED, **fields):
    starter = factories.make_user("institution", real_name="李机构")
    return Job.create(kind="export", user=starter, view="inst_learners", status=status,
                      params={"url": "/admin/inst_learners/", "name": "学员账户"}, **fields)


def test_the_center_lists_every_job_with_its_starter_list_and_state(center):
    failed = a_job(JobStatus.FAILED, error="导出失败，请重试。", stage="failed")
    queued = a_job()
    page = center.get("/admin/jobs/").get_data(as_text=True)
    assert "后台任务" in page and "李机构" in page and "学员账户" in page and "inst_learners" not in page
    assert "导出失败，请重试。" in page and "失败" in page and "排队中" in page
    assert f"/admin/jobs/{failed.id}/" in page and f"/admin/jobs/{queued.id}/" in page
    detail = center.get(f"/admin/jobs/{failed.id}/").get_data(as_text=True)
    assert "重试" in detail and "李机构" in detail and "任务处理程序" in detail


@pytest.mark.parametrize("role", ["institution", "reviewer", "committee", "learner", "subuser"])
def test_only_center_staff_open_the_jobs_page(client_as, role):
    job = a_job()
    client = client_as(role)
    for path in ("/admin/jobs/", f"/admin/jobs/{job.id}/", f"/admin/jobs/{job.id}/status"):
        assert client.get(path).status_code in (302, 403), path
    assert client.post(f"/admin/jobs/{job.id}/cancel").status_code in (302, 403)
    assert Job.get_by_id(job.id).status == JobStatus.QUEUED


def test_cancel_then_retry_from_the_jobs_page(center, held):
    job = a_job()
    moved = center.post(f"/admin/jobs/{job.id}/cancel")
    assert moved.status_code == 302
    job = Job.get_by_id(job.id)
    assert job.status == JobStatus.CANCELLED and center.user.real_name in job.error
    state = center.get(f"/admin/jobs/{job.id}/status").get_json()
    assert state["final"] and state["status_label"] == "已取消"
    center.post(f"/admin/jobs/{job.id}/retry")
    job = Job.get_by_id(job.id)
    assert (job.status, job.error, job.interrupted) == (JobStatus.QUEUED, None, 0)
    actions = [a.action for a in AuditLog.select().where(AuditLog.action.startswith("job_")).order_by(AuditLog.id)]
    assert actions == ["job_cancelled", "job_retried"]
    # A finished job is left alone.
    Job.update(status=JobStatus.DONE).where(Job.id == job.id).execute()
    center.post(f"/admin/jobs/{job.id}/cancel")
    assert Job.get_by_id(job.id).status == JobStatus.DONE


def test_bulk_actions_skip_jobs_in_the_wrong_state(center, held):
    queued, done = a_job(), a_job(JobStatus.DONE)
    page = center.post("/admin/jobs/action/", data={"action": "cancel", "rowid": [queued.id, done.id]},
                       follow_redirects=True).get_data(as_text=True)
    assert Job.get_by_id(queued.id).status == JobStatus.CANCELLED and Job.get_by_id(done.id).status == JobStatus.DONE
    assert "已取消 1 个任务" in page and f"任务 {done.id}：完成，未作改动" in page


def test_a_jobs_page_post_without_csrf_token_is_refused(csrf_app, reference):
    client = csrf_app.test_client()
    staff = factories.make_user("center")
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"identity": "person", "identifier": staff.username, "password": factories.PASSWORD,
                                "csrf_token": token})
    job = a_job()
    assert client.post(f"/admin/jobs/{job.id}/cancel").status_code == 400
    assert Job.get_by_id(job.id).status == JobStatus.QUEUED
