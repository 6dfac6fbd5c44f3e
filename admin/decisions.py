"""What every review screen shares, whichever area shows it (admin/reviews/ for teaching
points and the committee, admin/institution/reviews.py for 转换申请审核): deciding many
applications at once, each in its own transaction, and saying how it went."""
from flask import flash
from flask_babel import gettext as _

from services import ledger


def decide_each(applications, decide, message=None, category="success"):
    """Decide the applications one by one (each its own transaction) with ``decide``;
    flash how many were reviewed (``message(count)`` says what was decided) and why any
    was not. Returns the number reviewed."""
    done, failed = 0, []
    for application in applications:
        try:
            decide(application)
            done += 1
        except ledger.Refused as error:
            failed.append(f"{application.learner.real_name}: {error}")
    if done:
        flash(message(done) if message else _("%(count)s applications reviewed.", count=done), category)
    for message in failed:
        flash(message, "error")
    return done
