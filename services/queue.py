"""The job queue (huey) and nothing else: it imports no domain code, so any module may
hand work to the consumer without depending on the tasks that do it.

The queue lives in Redis when ``REDIS_URL`` is set (several hosts), else in a SQLite
file, ``instance/huey.db`` (``HUEY_SQLITE`` to move it). ``HUEY_IMMEDIATE=1`` runs each
task in the calling process at once (the test suite's default).

Tasks live in the ``tasks`` package and register themselves here by name
(``@queue.task("deliver_sms")``); the app factory imports that package, so every process
that builds the app can ``queue.enqueue("deliver_sms", row_id)``. The queue is a fast
path only: what must happen (an SMS, an e-mail, a job) is a database row first, and the
consumer's sweeper (``services/sweeper.py``) finds any row whose task was lost — so a
queue that is down delays work but never loses it, and ``enqueue`` raising
``QueueUnavailable`` is something callers log, not something they show.
"""
import logging
import os

from huey import RedisHuey, SqliteHuey

log = logging.getLogger(__name__)
INSTANCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "instance")


class QueueUnavailable(Exception):
    """The queue did not take the task (Redis down, SQLite file unwritable)."""


def _make_huey():
    immediate = os.environ.get("HUEY_IMMEDIATE") == "1"
    if os.environ.get("REDIS_URL"):
        # Short socket timeouts: a web request that hands over a task must not hang on a
        # Redis that stopped answering; the sweeper catches what was not handed over.
        from redis import ConnectionPool

        pool = ConnectionPool.from_url(os.environ["REDIS_URL"], socket_timeout=5, socket_connect_timeout=3)
        return RedisHuey("creditbank", connection_pool=pool, immediate=immediate)
    os.makedirs(INSTANCE, exist_ok=True)
    path = os.environ.get("HUEY_SQLITE", os.path.join(INSTANCE, "huey.db"))
    return SqliteHuey("creditbank", filename=path, immediate=immediate, timeout=5)


huey = _make_huey()
_tasks = {}


def task(name, **options):
    """Register the decorated function as the task ``name`` (huey's options pass on)."""

    def register(function):
        wrapped = huey.task(name=name, **options)(function)
        _tasks[name] = wrapped
        return wrapped

    return register


def periodic(name, schedule, **options):
    """Register a task the consumer runs on ``schedule`` (a huey ``crontab``)."""

    def register(function):
        wrapped = huey.periodic_task(schedule, name=name, **options)(function)
        _tasks[name] = wrapped
        return wrapped

    return register


def enqueue(name, *args, **kwargs):
    """Hand task ``name`` to the consumer; raises QueueUnavailable when the queue is down."""
    try:
        registered = _tasks[name]
    except KeyError:
        raise LookupError(f"no task {name!r}: the tasks package registers them (the app factory imports it)") from None
    if huey.immediate:
        return registered(*args, **kwargs)
    try:
        return registered(*args, **kwargs)
    except Exception as error:  # redis.ConnectionError, sqlite3.OperationalError, timeouts
        raise QueueUnavailable(f"{type(error).__name__}: {error}") from error


def registered():
    return sorted(_tasks)


def ping():
    """Whether the queue answers (``/healthz``): a Redis PING, or a read of the SQLite queue."""
    try:
        storage = huey.storage
        if hasattr(storage, "conn") and hasattr(storage.conn, "ping"):
            storage.conn.ping()
        else:
            storage.queue_size()
        return True
    except Exception as error:
        log.warning("queue unreachable: %s", error)
        return False
