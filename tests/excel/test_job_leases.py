"""Jobs under a lease: a run that lost its job (cancelled, or given up for dead) keeps
nothing; a job whose consumer died is started again from its beginning, or failed with a
message after too many interruptions; a job the queue lost is handed to it again; and the
starter's page says what happened."""
import datetime as dt
import socket
import subprocess

import pytest

from models import ImportBatch, Job, JobStatus, User, now
from services import jobs
from tests import factories
from tests.excel.conftest import upload
from tests.excel.test_jobs import IMPORT, learners


@pytest.fixture
def large(app):
    app.config["IMPORT_ASYNC_ROWS"] = 5  # the test workbooks count as large


@pytest.fixture
def held(monkeypatch):
    """Jobs stay queued (as when the queue lost them, or no consumer runs)."""
    monkeypatch.setattr(jobs, "hand_over", lambda job_id: None)


def imported():
    return User.select().where(User.real_name.startswith("学员")).count()


def dead_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def running_elsewhere(job, worker, heartbeat):
    Job.update(status=JobStatus.RUNNING, attempt=Job.attempt + 1, worker=worker, heartbeat_at=heartbeat,
               stage="writing").where(Job.id == job.id).execute()


def test_a_run_cancelled_while_it_writes_keeps_nothing(app, client_as, large, monkeypatch):
    center = client_as("center")
    real_progress = jobs.Lease.progress

    def cancel_while_writing(lease, **fields):
        real_progress(lease, **fields)
        if fields.get("stage") == "writing":
            jobs.cancel(Job.get_by_id(lease.job_id), center.user)

    monkeypatch.setattr(jobs.Lease, "progress", cancel_while_writing)
    response = upload(center, IMPORT, learners(20))
    job = Job.get()
    assert job.status == JobStatus.CANCELLED and center.user.real_name in job.error
    assert imported() == 0 and ImportBatch.select().count() == 0  # the import's transaction rolled back
    state = center.get(response.location.rstrip("/") + "/status").get_json()
    assert state["final"] and state["status_label"] == "已取消" and "管理中心" in state["error"]


def test_a_job_whose_consumer_died_on_this_host_is_started_again_and_done(app, client_as, large, held, monkeypatch):
    starter = client_as("center")
    response = upload(starter, IMPORT, learners(20))
    job = Job.get()
    running_elsewhere(job, f"{socket.gethostname()}:{dead_pid()}", now())  # its heartbeat is fresh
    monkeypatch.undo()  # the queue works again: the restarted job runs at once (immediate mode)
    app.config["IMPORT_ASYNC_ROWS"] = 5
    assert jobs.reap()["restarted"] == [job.id]
    job = Job.get_by_id(job.id)
    assert (job.status, job.attempt, job.interrupted, job.done) == (JobStatus.DONE, 2, 1, 20)
    assert imported() == 20
    state = starter.get(response.location.rstrip("/") + "/status").get_json()
    assert state["status"] == "done" and state["percent"] == 100


def test_a_lease_lapses_only_without_heartbeat_on_another_host(app, client_as, large, held):
    upload(client_as("center"), IMPORT, learners(20))
    job = Job.get()
    running_elsewhere(job, "another-host:4242", now())
    assert jobs.reap()["restarted"] == []
    lapsed = now() - dt.timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 5)
    Job.update(heartbeat_at=lapsed).where(Job.id == job.id).execute()
    assert jobs.stalled(Job.get_by_id(job.id))
    assert jobs.reap()["restarted"] == [job.id]
    job = Job.get_by_id(job.id)
    assert (job.status, job.interrupted, job.worker) == (JobStatus.QUEUED, 1, None)
    assert "重新开始" in job.error  # the starter's page says it was started again


def test_a_live_consumer_on_this_host_keeps_its_job_while_the_database_is_busy(app, client_as, large, held):
    """On SQLite a long import holds the write lock, so its heartbeat may wait: a consumer
    process that is alive on this host is never robbed of its job."""
    import os

    upload(client_as("center"), IMPORT, learners(20))
    job = Job.get()
    running_elsewhere(job, f"{socket.gethostname()}:{os.getpid()}", now() - dt.timedelta(hours=1))
    assert jobs.reap()["restarted"] == [] and Job.get_by_id(job.id).status == JobStatus.RUNNING


def test_a_job_interrupted_too_often_fails_with_a_message(app, client_as, large, held):
    starter = client_as("center")
    response = upload(starter, IMPORT, learners(20))
    job = Job.get()
    Job.update(interrupted=jobs.MAX_INTERRUPTIONS).where(Job.id == job.id).execute()
    running_elsewhere(job, "another-host:1", None)
    assert jobs.reap()["failed"] == [job.id]
    job = Job.get_by_id(job.id)
    assert job.status == JobStatus.FAILED and "中断 3 次" in job.error and imported() == 0
    state = starter.get(response.location.rstrip("/") + "/status").get_json()
    assert state["final"] and state["error"] == job.error


def test_a_queued_job_the_queue_lost_is_handed_over_again(app, client_as, large, held, monkeypatch):
    upload(client_as("center"), IMPORT, learners(20))
    job = Job.get()
    assert job.status == JobStatus.QUEUED
    assert jobs.reap()["requeued"] == []  # just queued: its task may be on its way
    Job.update(queued_at=now() - jobs.REQUEUE_AFTER - dt.timedelta(seconds=1)).where(Job.id == job.id).execute()
    monkeypatch.undo()
    app.config["IMPORT_ASYNC_ROWS"] = 5
    assert jobs.reap()["requeued"] == [job.id]
    assert Job.get_by_id(job.id).status == JobStatus.DONE and imported() == 20


def test_a_stalled_job_says_so_on_its_page(app, client_as, large, held):
    starter = client_as("center")
    response = upload(starter, IMPORT, learners(20))
    job = Job.get()
    running_elsewhere(job, "another-host:7", now() - dt.timedelta(minutes=10))
    page = starter.get(response.location).get_data(as_text=True)
    assert "暂无响应" in page


def test_the_consumer_heartbeat_and_lease_renewal(app):
    job = Job.create(kind="export", user=factories.make_user("center"), view="x_accounts", params={})
    lease = jobs.claim(job.id)
    Job.update(heartbeat_at=now() - dt.timedelta(hours=1)).where(Job.id == job.id).execute()
    with jobs.holding(lease):
        assert jobs.renew_leases() == 1
    assert Job.get_by_id(job.id).heartbeat_at >= now() - dt.timedelta(seconds=5)
    assert jobs.renew_leases() == 0
    jobs.beat()
    jobs.beat()
    (consumer,) = jobs.live_consumers()
    assert consumer.name == jobs.worker_name()
    assert jobs.claim(job.id) is None  # running already: a second delivery of its task does nothing
