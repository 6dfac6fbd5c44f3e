"""What every job consumer does besides its tasks, in two threads of its own
(app/consumer.py), through the database only — so it goes on while the queue is down:

- ``heartbeat`` (every few seconds): this consumer is alive, the leases of the jobs it runs
  are renewed, and jobs whose consumer died are started again or failed (services.jobs);
- ``sweep`` (every ``SWEEP_SECONDS``): every SMS and e-mail that is due leaves, whatever
  happened to its task, and unknown SMS are settled by the provider's report
  (services.sms_delivery, services.mail).

Each step is a conditional update per row, so any number of consumers may sweep at once.
"""
import logging

from services import jobs, mail, sms_delivery

log = logging.getLogger(__name__)


def heartbeat():
    jobs.beat()
    jobs.renew_leases()
    return jobs.reap()


def sweep():
    return {"sms": sms_delivery.sweep(), "emails": mail.sweep()}
