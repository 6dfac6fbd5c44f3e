"""学分账户 of the learner area: the credit-bank credits accumulated, by framework
level and by kind, and the 转换路径 (pathways) with 申请转换 from a complete one. Routes of
the ``learner`` blueprint, registered when ``views.register_blueprints`` imports this module."""
from flask import render_template, request

from services.ledger import pathways
from views.learner.base import bp, me
from web import inputs


@bp.route("/credits")
def credits():
    """``?rule=`` shows that rule's pathway alone (the link of a rule alert)."""
    user = me()
    rule_id = request.args.get("rule", type=inputs.db_int)
    number = request.args.get("page", 1, type=inputs.db_int) or 1
    return render_template(
        "learner/credits.html",
        account=pathways.credit_account(user.id),
        paths=pathways.pathways(user.id, number, rule_id=rule_id),
        rule_id=rule_id,
    )
