"""Institution A publishes a rule whose source is institution B's achievement; B stored
that achievement for its learners (and A for one of its own, to prove scoping)."""
import datetime as dt
from types import SimpleNamespace

import pytest

from models import AchievementSource, Permission, Role, UserPermission
from tests import factories
from tests.institution.conftest import make_space


def holders(space, count, prefix):
    """``count`` learners of ``space``'s institution holding its catalogue achievement, stored by it."""
    rows = []
    for n in range(count):
        learner = factories.make_learner(real_name=f"{prefix}{n + 1:02d}", added_by_institution=space.institution)
        rows.append(factories.make_achievement(
            learner, space.catalogue_achievement, source=AchievementSource.INSTITUTION, stored_by=space.institution,
            personal_code=f"{prefix}-{n + 1:03d}", obtained_on=dt.date(2022, 3, 1),
        ))
    return rows


@pytest.fixture
def world(app, reference):
    """A: publisher of ``rule`` (B's catalogue achievement → A's course); B: holds 3 more learners."""
    a, b = make_space("A"), make_space("B")
    course = factories.make_catalogue("course", institution=a.institution, name="A课程：经济学基础")
    rule = factories.make_rule([b.catalogue_achievement], [course], institution=a.institution, code="202611290001")
    # B's rule from A's catalogue achievement: the mirror, so A has batches and records of its own to hide.
    b_course = factories.make_catalogue("course", institution=b.institution, name="B课程：统计学")
    mirror = factories.make_rule([a.catalogue_achievement], [b_course], institution=b.institution, code="202611290002")
    return SimpleNamespace(a=a, b=b, rule=rule, course=course, mirror=mirror, b_course=b_course,
                           b_holders=[b.stored] + holders(b, 3, "B学员"))


def grant(user, *codes):
    for code in codes:
        UserPermission.create(user=user, permission=code)


@pytest.fixture
def sub(world):
    """``sub("a", Permission.REVIEWS)``: a fresh sub-user of A or B with those menus."""

    def make(side, *codes):
        space = getattr(world, side)
        user = factories.make_user(Role.SUBUSER, institution=space.institution)
        grant(user, *codes)
        return user

    return make


ALL_MENUS = (Permission.RULES, Permission.REVIEWS, Permission.RECORDS, Permission.MESSAGES)
