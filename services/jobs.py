"""Background jobs under a lease (SPEC §15): a large import or an export is a ``Job`` row
first, handed to the queue second; a consumer runs it only while it holds the job's lease.

- ``claim`` moves queued → running, counts the attempt (the lease's fencing number) and
  names the consumer (``host:pid``). Every later write of that run (``Lease.progress``,
  ``finish``, ``fail``) is a conditional update on that attempt: a run that lost its
  lease — cancelled by the center, or given up for dead and started again elsewhere —
  changes nothing and stops (``LeaseLost``). An import writes its ``done`` inside its own
  transaction, so a job is never done without its rows nor its rows kept without it.
- While a consumer runs jobs, its sweeper thread renews their ``heartbeat_at`` every few
  seconds and says the consumer is alive (``ConsumerHeartbeat``).
- ``reap`` (the sweeper, every few seconds) finds running jobs whose lease expired
  (``JOB_LEASE_SECONDS`` without a heartbeat), or whose consumer on this host is gone
  (its process no longer exists): each is queued again from its start — the work is
  all-or-nothing, so its start is the safe point — or, after ``MAX_INTERRUPTIONS``, failed
  with a message saying so. Queued jobs the queue lost (Redis down when they were started)
  are handed to it again.
- Center staff see every job under 后台任务 and may ``cancel`` or ``retry`` one.
"""
import contextlib
import datetime as dt
import logging
import os
import socket
import threading

from flask import current_app
from flask_babel import lazy_gettext as _l

from models import ConsumerHeartbeat, Job, JobStatus, now
from services import queue, transitions
from services.database import transaction

log = logging.getLogger(__name__)
MAX_INTERRUPTIONS = 2  # a job whose consumer died twice is failed, not started a third time
REQUEUE_AFTER = dt.timedelta(minutes=2)  # a queued job nobody claimed is handed to the queue again
FORGET_CONSUMERS = dt.timedelta(days=1)

INTERRUPTED = _l("The job consumer running this job stopped; it was started again from the beginning "
                 "(nothing of the interrupted run was kept).")
GAVE_UP = _l("The job consumer running this job stopped %(count)s times, so the job was stopped. Nothing of it "
             "was saved; please start it again, or ask the management center to retry it.")
CANCELLED = _l("Cancelled by %(name)s of the management center; nothing of it was saved.")


class LeaseLost(Exception):
    """This run no longer holds the job: cancelled, or given to another consumer."""


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_length():
    return dt.timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])


# --- starting ----------------------------------------------------------------------------


def start(kind, user, view, params):
    """A new job, handed to the queue (a queue that is down leaves it to the sweeper)."""
    job = Job.create(kind=kind, user=user, view=view, params=params, queued_at=now())
    hand_over(job.id)
    return Job.get_by_id(job.id)  # in immediate mode it has run by now


def hand_over(job_id):
    try:
        queue.enqueue("run_job", job_id)
    except queue.QueueUnavailable as error:
        log.warning("job %s left for the sweeper: %s", job_id, error)


# --- the lease ---------------------------------------------------------------------------

_held = {}  # job id → attempt: the jobs this process runs, renewed by the sweeper thread
_held_lock = threading.Lock()


class Lease:
    def __init__(self, job_id, attempt):
        self.job_id, self.attempt = job_id, attempt

    def _mine(self):
        return [Job.id == self.job_id, Job.attempt == self.attempt]

    def progress(self, **fields):
        """Record progress (and renew the lease); raises LeaseLost when the job is not ours."""
        moved = Job.update(heartbeat_at=now(), **fields).where(
            *self._mine(), Job.status == JobStatus.RUNNING).execute()
        if not moved:
            raise LeaseLost(self.job_id)

    def finish(self, **fields):
        """running → done; inside the work's own transaction where it has one."""
        moved = transitions.move(Job, JobStatus.DONE, where=self._mine(),
                                 changes={"stage": "done", "finished_at": now(), "error": None, **fields})
        if not moved:
            raise LeaseLost(self.job_id)

    def fail(self, message):
        transitions.move(Job, JobStatus.FAILED, where=self._mine(),
                         changes={"stage": "failed", "error": str(message)[:500], "finished_at": now()})


def claim(job_id):
    """queued → running for this consumer; returns the Lease, or None when the job is not
    queued (run already, running elsewhere, cancelled)."""
    moved = transitions.move(Job, JobStatus.RUNNING, expected=(JobStatus.QUEUED,), where=[Job.id == job_id],
                             changes={"attempt": Job.attempt + 1, "worker": worker_name(), "heartbeat_at": now()})
    if not moved:
        return None
    return Lease(job_id, Job.get_by_id(job_id).attempt)


@contextlib.contextmanager
def holding(lease):
    """While the body runs, this process's sweeper thread renews the lease."""
    with _held_lock:
        _held[lease.job_id] = lease.attempt
    try:
        yield lease
    finally:
        with _held_lock:
            _held.pop(lease.job_id, None)


def renew_leases():
    """The sweeper thread's heartbeat for the jobs of this process. On SQLite an import's
    long write transaction holds the database's write lock, so a renewal can fail for a
    while: ``reap`` never takes a job from a consumer process that is alive on its host."""
    with _held_lock:
        held = dict(_held)
    for job_id, attempt in held.items():
        Job.update(heartbeat_at=now()).where(Job.id == job_id, Job.attempt == attempt,
                                             Job.status == JobStatus.RUNNING).execute()
    return len(held)


def beat():
    """This consumer is alive (``/healthz``, 后台任务)."""
    name = worker_name()
    if not ConsumerHeartbeat.update(seen_at=now()).where(ConsumerHeartbeat.name == name).execute():
        ConsumerHeartbeat.insert(name=name, started_at=now(), seen_at=now()).on_conflict_ignore().execute()


def last_consumer_seen():
    row = ConsumerHeartbeat.select().order_by(ConsumerHeartbeat.seen_at.desc()).first()
    return row.seen_at if row else None


def live_consumers(within=dt.timedelta(minutes=2)):
    return list(ConsumerHeartbeat.select().where(ConsumerHeartbeat.seen_at > now() - within)
                .order_by(ConsumerHeartbeat.name))


# --- finding dead runs -------------------------------------------------------------------


def _process_state(pid):
    """'alive', 'gone', or None when it cannot be told (another host's process)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            # "pid (name) S …": a zombie (Z) or dead (X) process runs nothing any more.
            state = handle.read().rsplit(")", 1)[1].split()[0]
        return "gone" if state in ("Z", "X") else "alive"
    except FileNotFoundError:
        return "gone"
    except OSError:
        return None


def _local_state(worker):
    host, _sep, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    return _process_state(int(pid))


def _lost(job, cutoff):
    state = _local_state(job.worker)
    if state == "gone":
        return True  # its consumer on this host exited: no need to wait for the lease
    if state == "alive":
        return False  # alive on this host (on SQLite a renewal may wait for a long import)
    return job.heartbeat_at is None or job.heartbeat_at < cutoff


def reap():
    """Start again (or fail) running jobs whose consumer died; hand lost queued jobs to
    the queue again. Returns what it did."""
    cutoff = now() - lease_length()
    restarted, failed = [], []
    for job in Job.select().where(Job.status == JobStatus.RUNNING).order_by(Job.id):
        if not _lost(job, cutoff):
            continue
        same_run = [Job.id == job.id, Job.attempt == job.attempt]
        if job.interrupted >= MAX_INTERRUPTIONS:
            moved = transitions.move(Job, JobStatus.FAILED, where=same_run, changes={
                "stage": "failed", "finished_at": now(), "interrupted": job.interrupted + 1,
                "error": str(GAVE_UP % {"count": job.interrupted + 1})[:500]})
            if moved:
                failed.append(job.id)
                log.warning("job %s failed: its consumer %s stopped %s times", job.id, job.worker, job.interrupted + 1)
            continue
        moved = transitions.move(Job, JobStatus.QUEUED, where=same_run, changes={
            "stage": "queued", "done": 0, "worker": None, "heartbeat_at": None, "queued_at": now(),
            "interrupted": job.interrupted + 1, "error": str(INTERRUPTED)})
        if moved:
            restarted.append(job.id)
            log.warning("job %s started again: its consumer %s stopped", job.id, job.worker)
            hand_over(job.id)
    requeued = []
    for job in Job.select(Job.id).where(Job.status == JobStatus.QUEUED, Job.queued_at < now() - REQUEUE_AFTER):
        if Job.update(queued_at=now()).where(Job.id == job.id, Job.status == JobStatus.QUEUED).execute():
            requeued.append(job.id)
            hand_over(job.id)
    ConsumerHeartbeat.delete().where(ConsumerHeartbeat.seen_at < now() - FORGET_CONSUMERS).execute()
    return {"restarted": restarted, "failed": failed, "requeued": requeued}


# --- the center's hands ------------------------------------------------------------------


def cancel(job, by):
    """queued or running → cancelled: a running import stops at its next step, or at the
    latest when it would commit (nothing of it is kept)."""
    with transaction():
        transitions.move(job, JobStatus.CANCELLED, expected=(JobStatus.QUEUED, JobStatus.RUNNING),
                         changes={"stage": "failed", "finished_at": now(),
                                  "error": str(CANCELLED % {"name": by.real_name})[:500]},
                         audit="job_cancelled", user=by, starter=job.user_id)


def retry(job, by):
    """failed or cancelled → queued, from its start (the upload is kept with the job)."""
    with transaction():
        transitions.move(job, JobStatus.QUEUED, expected=(JobStatus.FAILED, JobStatus.CANCELLED),
                         changes={"stage": "queued", "done": 0, "error": None, "finished_at": None,
                                  "interrupted": 0, "worker": None, "heartbeat_at": None, "queued_at": now()},
                         audit="job_retried", user=by, starter=job.user_id)
    hand_over(job.id)


def stalled(job):
    """A running job whose consumer seems gone and that no sweeper has taken back yet: its
    page says the consumer is not answering (one alive on this host is only busy)."""
    return job.status == JobStatus.RUNNING and _lost(job, now() - lease_length())
