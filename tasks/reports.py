"""统计报表's aggregates (services/reports/build.py says why they are rebuilt, not kept on
write): every ``REPORTS_EVERY_MINUTES`` (10) on the consumer, and at once when the center
asks (立即更新). A rebuild reads the records as they are and swaps the cells in one short
transaction, so a run lost with its consumer needs no lease: the next one does the same."""
import os

from huey import crontab

from services.background import queue
from tasks.runtime import in_app

# Read when the consumer starts: huey's schedule is fixed when the task registers.
REPORTS_EVERY_MINUTES = int(os.environ.get("REPORTS_EVERY_MINUTES", 10))


@queue.periodic("rebuild_reports", crontab(minute=f"*/{REPORTS_EVERY_MINUTES}"))
@in_app
def rebuild_reports():
    from services.reports import build

    build.rebuild()


@queue.task("rebuild_reports_now")
@in_app
def rebuild_reports_now(user_id=None):
    """立即更新 on the report page: the rebuild, audited under the person who asked."""
    from models import User
    from services.reports import build

    build.rebuild(User.get_or_none(User.id == user_id) if user_id else None)
