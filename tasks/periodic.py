"""Nightly housekeeping, and the same steps on demand (``flask housekeeping --queue``).
The sweeper (deliveries, job leases) is not a periodic task: it runs in a thread of every
consumer (app/consumer.py), so it works while the queue itself is down."""
from huey import crontab

from services import queue
from tasks.runtime import in_app


def _housekeeping():
    from services import housekeeping

    return housekeeping.run()


nightly_housekeeping = queue.periodic("nightly_housekeeping", crontab(minute="17", hour="3"),
                                      retries=2, retry_delay=600)(in_app(_housekeeping))
housekeeping_now = queue.task("housekeeping", retries=2, retry_delay=60)(in_app(_housekeeping))
