"""Large imports and exports (services/excel/as_jobs.py) under a lease
(services/background/jobs.py): no huey retries — a job whose consumer died is found by the sweeper
and queued again from its start, or failed with a message."""
from services.background import queue
from tasks.runtime import in_app


@queue.task("run_job")
@in_app
def run_job(job_id, *_queued_by_an_older_release):
    from services.excel import as_jobs

    as_jobs.run(job_id)
