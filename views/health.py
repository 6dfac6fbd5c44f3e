"""``/healthz`` for load balancers, process supervisors and monitoring: JSON with each
dependency's state. 503 while the database does not answer (nothing works without it);
200 otherwise, with ``"status": "degraded"`` when something else is wrong — the job queue
or the object store does not answer, no job consumer has been heard from for
``CONSUMER_SILENCE``, or a verification code has waited more than a minute. It needs no
login and names no host, address or error text (those go to the log)."""
import datetime as dt
import logging
import time

from flask import Blueprint, current_app, jsonify

from models import db, now

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)
CONSUMER_SILENCE = dt.timedelta(minutes=2)
CACHE_SECONDS = 10  # the queue and store checks, per process: a balancer asks every few seconds


def _cached(name, check):
    _cache = current_app.extensions.setdefault("health_checks", {})
    hit = _cache.get(name)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    try:
        value = check()
    except Exception:
        log.warning("health check %s failed", name, exc_info=True)
        value = False
    _cache[name] = (time.monotonic() + CACHE_SECONDS, value)
    return value


def _database():
    try:
        db.execute_sql("SELECT 1").fetchone()
        return True
    except Exception:  # any driver error means "not ready"; the reason belongs in the log
        log.exception("health check: database unreachable")
        return False


def _store_answers():
    from services import filestore

    return filestore.current().reachable()


def _queue_answers():
    from services import queue

    return queue.ping()


def _consumer():
    from services import jobs

    seen = jobs.last_consumer_seen()
    if seen is None:
        return {"status": "missing"}
    age = int((now() - seen).total_seconds())
    return {"status": "ok" if age <= CONSUMER_SILENCE.total_seconds() else "silent", "seen_seconds_ago": age}


def _outbox():
    from services import sms_delivery

    late = sms_delivery.late_codes()
    return {"status": "late" if late else "ok", "codes_waiting_over_a_minute": late}


@bp.route("/healthz")
def healthz():
    if not _database():
        return jsonify(status="unavailable", checks={"database": {"status": "down"}}), 503
    checks = {"database": {"status": "ok"}}
    try:
        checks["queue"] = {"status": "ok" if _cached("queue", _queue_answers) else "down"}
        checks["storage"] = {"status": "ok" if _cached("storage", _store_answers) else "down",
                             "backend": current_app.config["STORAGE_BACKEND"]}
        checks["consumer"] = _consumer()
        checks["outbox"] = _outbox()
    except Exception:  # the database went away between the checks
        log.exception("health check: database lost during the checks")
        return jsonify(status="unavailable", checks={"database": {"status": "down"}}), 503
    degraded = any(check["status"] != "ok" for check in checks.values())
    return jsonify(status="degraded" if degraded else "ok", checks=checks)
