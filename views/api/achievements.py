"""POST /api/v1/achievements: the push of learner achievements (services.api_sync)."""
from collections import Counter

from flask import current_app, g
from flask_babel import gettext as _
from flask_smorest import abort

from services import api_sync
from views.api.blueprint import WRITE_ERRORS, bp, errors, require_write
from views.api.schemas import Push, PushResponse


@bp.route("/achievements", methods=["POST"])
@bp.arguments(Push)
@bp.response(200, PushResponse)
@errors(*WRITE_ERRORS)
def push_achievements(body):
    """Store learner achievements of your institution achievements

    Each item is validated as a row of the 学员成果 Excel import, with the same reasons.
    Idempotent by 个人成果编号: sending an item again changes nothing (or updates its
    颁证日期) and never stores it twice. Accepted rows are stored together; refused rows
    say why."""
    require_write()
    items = body["items"]
    limit = current_app.config["API_MAX_ROWS"]
    if len(items) > limit:
        abort(422, message=_("At most %(count)s items per call.", count=limit))
    try:
        results = api_sync.push(g.api_principal, g.api_token.created_by, items)
    except api_sync.Conflict:
        # A concurrent call stored one of these learners' achievements first (the database's
        # one-holding-per-learner index): nothing of this call was kept; sending it again
        # answers "unchanged" for what the other call stored.
        abort(409, message=_("Another call stored some of these achievements at the same time; send the items again."))
    counts = Counter(result["status"] for result in results)
    g.api_count = len(items)
    return {
        "accepted": counts[api_sync.ACCEPTED],
        "updated": counts[api_sync.UPDATED],
        "unchanged": counts[api_sync.UNCHANGED],
        "rejected": counts[api_sync.REJECTED],
        "results": results,
    }
