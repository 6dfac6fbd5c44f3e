"""``PreparedList`` (我的信息's list, its SQL text written once per sort) pages, sorts and
clamps exactly as ``paginate`` does, and chooses a page's ids without the joins."""
import pytest
from peewee import JOIN
from werkzeug.datastructures import MultiDict

from models import Category, Institution, LearnerAchievement
from services.core.pagination import PreparedList, paginate
from tests.factories import make_achievement, make_institution, make_learner

pytestmark = pytest.mark.usefixtures("app")

SORTS = {"name": LearnerAchievement.name, "status": LearnerAchievement.status,
         "obtained": LearnerAchievement.obtained_on, "created": LearnerAchievement.created_at}


def columns():
    return (LearnerAchievement.select(LearnerAchievement.id, LearnerAchievement.name, Category.name, Institution.name)
            .join(Category).switch(LearnerAchievement)
            .join(Institution, JOIN.LEFT_OUTER, on=(LearnerAchievement.institution == Institution.id)))


def listed(learner):
    return columns().where(LearnerAchievement.learner == learner)


def test_every_sort_and_page_matches_paginate(reference):
    learner, other = make_learner(), make_learner()
    college = make_institution(name="学院甲")
    for n, status in enumerate(["not_applied", "refused", "recognised"] * 9):
        make_achievement(learner, status=status, name=f"成果{n % 7}", institution=college if n % 2 else None)
    make_achievement(other, name="别人的成果")
    lists = [PreparedList(listed, "learner", sorts=SORTS, default_sort="-created", size=5),
             PreparedList(columns, "learner", sorts=SORTS, default_sort="-created", size=5,
                          ids=lambda learner: LearnerAchievement.select().where(LearnerAchievement.learner == learner))]
    for sort in [*SORTS, *(f"-{key}" for key in SORTS), "bogus", ""]:
        for number in ("1", "3", "6", "0", "x", "99999999999"):
            args = MultiDict({"sort": sort, "page": number})
            expected = paginate(listed(learner.id), args, SORTS, default_sort="-created", size=5, total=27)
            for prepared in lists:
                page = prepared.page(args, total=27, learner=learner.id)
                assert (page.number, page.sort, page.pages) == (expected.number, expected.sort, expected.pages)
                assert [(a.id, a.category.name, a.institution and a.institution.name) for a in page.items] == [
                    (a.id, a.category.name, a.institution and a.institution.name) for a in expected.items], (sort, number)
    assert {a.name for a in lists[1].page(MultiDict(), total=1, learner=other.id).items} == {"别人的成果"}
