"""The learner area under /me/ (SPEC §4–§8): simple pages for a first-time user, one module
per menu of the learner — 我的信息 (home), 成果添加 and an achievement's pages
(achievements), 认定成果申请 (recognition), 转换成果申请 (conversions), 业绩类成果转换申请
(performance), 撤回申请 (applications), 学分账户 (credits), 学习档案 (record), 问题反馈 (feedback), 收件箱 (inbox) — all routes of the one ``learner``
blueprint defined in ``views.learner.base``. State changes go through ``services.ledger``."""
from views.learner import (  # noqa: F401
    achievements,
    applications,
    conversions,
    credits,
    feedback,
    home,
    inbox,
    performance,
    recognition,
    record,
)
from views.learner.base import bp

__all__ = ["bp"]
