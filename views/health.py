"""``/healthz`` for load balancers and process supervisors: 200 while the database
answers, 503 otherwise. It reveals nothing else and needs no login."""
from flask import Blueprint, jsonify

from models import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.execute_sql("SELECT 1").fetchone()
    except Exception:  # any driver error means "not ready"; the reason belongs in the log
        import logging

        logging.getLogger(__name__).exception("health check: database unreachable")
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
