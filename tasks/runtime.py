"""What every task runs inside: an application context and a database connection of its
own, and, when it ends, the hand-over of the messages it wrote (as a request's teardown
does). The consumer's entry point binds its app here; in immediate mode (tests) a task
runs in the caller's context."""
import functools

from models import db

_app = None


def bind(app):
    global _app
    _app = app


def app_context():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.app_context()
    if _app is None:
        raise RuntimeError("no app for this task: run the consumer as `huey_consumer app.consumer.huey`")
    return _app.app_context()


def in_app(function):
    """Run ``function`` with an app context and a database connection of its own."""

    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        with app_context():
            opened = db.is_closed()  # in immediate mode the caller's connection stays its own
            if opened:
                db.connect()
            try:
                return function(*args, **kwargs)
            finally:
                from services import mail, rule_alerts, sms, storage

                sms.flush()  # messages the task wrote, now committed
                mail.flush()
                rule_alerts.flush()
                storage.discard_uncommitted()  # files of a rolled-back run
                if opened:
                    db.close()

    return wrapped
