"""The ledger: applications, their reviews, what a passed conversion grants, and the
revocation that takes it back (README, "The ledger"), with the rules they run under.
``from services import ledger`` gives every public act; the modules say how:

- ``applications``  submissions (认定 / 转换 / 业绩类 / 批量发起) and a learner's withdrawal
- ``reviews``       every review decision, a batch's set-based
- ``grants``        the targets a passed conversion adds, and its certificate code
- ``revocation``    撤回 of an achievement and 撤销 of a conversion, through every chain
- ``rules``         conversion methods and rules: publish, withdraw, codes, related rules
- ``rule_versions`` a changed published rule becomes version n+1; the rules in force
- ``rule_alerts``   a published rule tells the learners holding its sources, once
- ``pathways``      学分账户 and 转换路径, in aggregate SQL
- ``certificate``   the conversion certificate PDF, with its QR code
- ``commitment``    信息发布安全承诺书, read once per person (a signed timestamp)

The rule modules are not re-exported here (``from services.ledger import rules``).
"""
from services.ledger.applications import (
    applied_under,
    batch_holders,
    batch_sources,
    blocking_application,
    submit_batch,
    submit_conversion,
    submit_performance,
    submit_recognition,
    usable_rules,
    withdraw_application,
)
from services.ledger.common import (
    ALREADY_REVIEWED,
    BLOCKING,
    CONVERTIBLE,
    FALLEN,
    GRANTING_KINDS,
    OPEN,
    RECOGNISABLE,
)
from services.ledger.grants import targets_of
from services.ledger.reviews import (
    batch_title,
    decide_recognition,
    final_review,
    initial_review,
    performance_review,
    review_batch,
)
from services.ledger.revocation import (
    may_revoke,
    plan_for_achievement,
    plan_for_conversion,
    revoke_conversion,
    withdraw_achievement,
)
from services.records.errors import Refused

__all__ = [
    "ALREADY_REVIEWED", "BLOCKING", "CONVERTIBLE", "FALLEN", "GRANTING_KINDS", "OPEN", "RECOGNISABLE", "Refused",
    "applied_under", "batch_holders", "batch_sources", "batch_title", "blocking_application", "decide_recognition",
    "final_review", "initial_review", "may_revoke", "performance_review", "plan_for_achievement",
    "plan_for_conversion", "review_batch", "revoke_conversion", "submit_batch", "submit_conversion",
    "submit_performance", "submit_recognition", "targets_of", "usable_rules", "withdraw_achievement", "withdraw_application",
]
