"""The job consumer's entry point::

    huey_consumer app.consumer.huey -w 2 -k thread

It builds the app exactly as a web host does (settings from the environment), binds it
for the tasks, and starts the sweeper's two threads (services/sweeper.py): the heartbeat
(this consumer is alive, its jobs' leases, jobs of dead consumers) and the sweep (due
deliveries). Both use only the database, so a queue that is down delays nothing that
must happen."""
import logging
import os
import threading
import time

from app.factory import create_app
from models import db
from services.queue import huey
from tasks import runtime

log = logging.getLogger("creditbank.consumer")
HEARTBEAT_SECONDS = 5

app = create_app()
runtime.bind(app)
_started = {}  # pid → threads: a process started with -k process forks its own
_lock = threading.Lock()


def _every(seconds, step, name):
    def loop():
        while True:
            started = time.monotonic()
            try:
                with app.app_context(), db.connection_context():
                    step()
            except Exception:  # the database may be restarting: try again next time
                log.warning("%s failed; trying again in %s s", name, seconds, exc_info=True)
            time.sleep(max(0.0, seconds - (time.monotonic() - started)))

    return threading.Thread(target=loop, name=name, daemon=True)


@huey.on_startup()
def start_sweeper():
    from services import sweeper

    with _lock:
        if os.getpid() in _started:
            return
        threads = [_every(min(HEARTBEAT_SECONDS, app.config["JOB_LEASE_SECONDS"] / 4), sweeper.heartbeat, "heartbeat"),
                   _every(app.config["SWEEP_SECONDS"], sweeper.sweep, "sweeper")]
        for thread in threads:
            thread.start()
        _started[os.getpid()] = threads
