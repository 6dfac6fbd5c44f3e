"""Background jobs with huey (SPEC §15): work that must not hold a web request.

The queue lives in Redis when ``REDIS_URL`` is set (several hosts), else in a SQLite
file, ``instance/huey.db`` (``HUEY_SQLITE`` to move it) — no extra server for the
embedded default. A consumer runs the jobs: ``make run`` starts one beside the web
server; in production run ``huey_consumer services.jobs.huey`` (README).

Each job runs inside an application context of its own consumer process, with a
database connection opened for it and closed after. ``HUEY_IMMEDIATE=1`` runs jobs in
the calling process at once (the test suite's default).
"""
import functools
import os

from huey import RedisHuey, SqliteHuey, crontab

from models import db

INSTANCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "instance")


def _make_huey():
    immediate = os.environ.get("HUEY_IMMEDIATE") == "1"
    if os.environ.get("REDIS_URL"):
        return RedisHuey("creditbank", url=os.environ["REDIS_URL"], immediate=immediate)
    os.makedirs(INSTANCE, exist_ok=True)
    path = os.environ.get("HUEY_SQLITE", os.path.join(INSTANCE, "huey.db"))
    return SqliteHuey("creditbank", filename=path, immediate=immediate)


huey = _make_huey()
_app = None


def _app_context():
    """The caller's context when there is one (immediate mode), else the consumer's app."""
    global _app
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.app_context()
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app.app_context()


def in_app(function):
    """Run ``function`` with an app context and a database connection of its own."""

    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        with _app_context():
            opened = db.is_closed()  # in immediate mode the caller's connection stays its own
            if opened:
                db.connect()
            try:
                return function(*args, **kwargs)
            finally:
                from services import mail, rule_alerts, sms

                sms.flush()  # SMS the job wrote, now committed
                mail.flush()
                rule_alerts.flush()
                if opened:
                    db.close()

    return wrapped


# SMS: a few tries over about ten minutes, then the row is marked failed (a code would
# have expired by then anyway).
SMS_RETRIES = 4
SMS_RETRY_DELAY = int(os.environ.get("SMS_RETRY_DELAY", 30))


@huey.task(retries=SMS_RETRIES, retry_delay=SMS_RETRY_DELAY, context=True)
def deliver_sms(row_id, text, params, task=None):
    from services import sms_gateway

    last_try = task is None or task.retries == 0
    in_app(sms_gateway.deliver)(row_id, text, params, last_try)


# Imports and exports are not retried: an import is one transaction (a failure leaves
# nothing), and the person sees the failure on the job's page and can start again.
@huey.task()
@in_app
def run_import_job(job_id):
    from services.excel import background

    background.run_import(job_id)


@huey.task()
@in_app
def run_export_job(job_id):
    from services.excel import background

    background.run_export(job_id)


@huey.periodic_task(crontab(minute="*/5"))
@in_app
def requeue_stuck_sms():
    from services import sms_gateway

    return sms_gateway.requeue_stuck()


@huey.periodic_task(crontab(minute="17", hour="3"), retries=2, retry_delay=600)
@in_app
def nightly_housekeeping():
    from services import housekeeping

    return housekeeping.run()


@huey.task(retries=2, retry_delay=60)
@in_app
def housekeeping_now():
    """The same steps on demand (``flask housekeeping --queue``)."""
    from services import housekeeping

    return housekeeping.run()


# E-mail: chunks of outbox rows, a few tries over about ten minutes (services/mail.py).
@huey.task(retries=SMS_RETRIES, retry_delay=SMS_RETRY_DELAY, context=True)
def deliver_emails(row_ids, texts=None, task=None):
    from services import mail

    last_try = task is None or task.retries == 0
    in_app(mail.deliver)(row_ids, last_try, texts)


@huey.periodic_task(crontab(minute="*/5"))
@in_app
def requeue_stuck_emails():
    from services import mail

    return mail.requeue_stuck()


@huey.task(retries=2, retry_delay=60)
@in_app
def alert_rule_published(rule_id):
    """Tell the learners holding a newly published rule's sources (services/rule_alerts.py)."""
    from services import rule_alerts

    return rule_alerts.alert(rule_id)


# 统计报表: the aggregates rebuilt from the records (services/reports/build.py says why).
REPORTS_EVERY_MINUTES = int(os.environ.get("REPORTS_EVERY_MINUTES", 10))


@huey.periodic_task(crontab(minute=f"*/{REPORTS_EVERY_MINUTES}"))
@in_app
def rebuild_reports():
    from services.reports import build

    build.rebuild()


@huey.task()
@in_app
def rebuild_reports_now(user_id=None):
    """立即更新 on the report page."""
    from models import User
    from services.reports import build

    build.rebuild(User.get_or_none(User.id == user_id) if user_id else None)
