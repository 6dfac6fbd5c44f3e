"""Large imports and exports (services/excel/background.py) under a lease
(services/jobs.py): no huey retries — a job whose consumer died is found by the sweeper
and queued again from its start, or failed with a message."""
from services import queue
from tasks.runtime import in_app


@queue.task("run_job")
@in_app
def run_job(job_id, *_queued_by_an_older_release):
    from services.excel import background

    background.run(job_id)
