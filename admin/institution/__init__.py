"""The institution space (院校空间, SPEC §9, seed 004 ch. 2), one module per menu; the
shared base is ``admin.institution.base``, the 机构账户中心 home ``admin.institution.home``."""
from admin.institution import (
    account,
    achievements,
    batch,
    home,  # noqa: F401 (registers the institution roles' home page)
    learners,
    records,
    reviews,
    rules,
    service,
    tokens,
)


def register(admin):
    areas = (achievements, learners, rules, service, reviews, records, batch, account, tokens)
    for area in areas:
        area.register(admin)
