"""``models.base.Prepared``: a query whose SQL text is made once per kind of database
answers what the query itself answers, with each run's values, and reads joined rows as
models (the session row read on every request is one)."""
import pytest
from peewee import JOIN, SQL, fn

from models import Institution, LearnerAchievement, User, db
from models.base import Prepared
from tests.factories import make_achievement, make_institution, make_learner, make_user

pytestmark = pytest.mark.usefixtures("app")


def counts_by_status(learner):
    return (LearnerAchievement.select(LearnerAchievement.status, fn.COUNT(SQL("*")))
            .where(LearnerAchievement.learner == learner).group_by(LearnerAchievement.status).tuples())


def test_each_run_answers_for_its_own_values_as_the_query_does(reference):
    first, second = make_learner(), make_learner()
    for status in ("not_applied", "not_applied", "refused"):
        make_achievement(first, status=status)
    make_achievement(second, status="refused")
    built = []
    prepared = Prepared(lambda learner: built.append(1) or counts_by_status(learner), "learner")
    for learner in (first, second, first):
        assert sorted(prepared.run(learner=learner.id)) == sorted(counts_by_status(learner.id))
    assert len(built) == 1  # the text was made once and kept
    assert prepared.run(learner=-1) == []
    assert prepared.first(learner=-1) is None


def test_joined_rows_come_back_as_models_with_their_relations():
    college = make_institution()
    staff = make_user(role="institution", institution=college)
    learner = make_learner()
    prepared = Prepared(lambda user: (User.select(User, Institution)
                                      .join(Institution, JOIN.LEFT_OUTER, on=(User.institution == Institution.id))
                                      .where(User.id == user)), "user")
    row = prepared.first(user=staff.id)
    assert isinstance(row, User) and row.username == staff.username
    assert row.institution.name == college.name
    queries = []
    original = db.obj.execute_sql
    db.obj.execute_sql = lambda *args, **kwargs: queries.append(args) or original(*args, **kwargs)
    try:
        assert row.institution.id == college.id  # read with the row, not looked up again
        assert prepared.first(user=learner.id).institution is None
    finally:
        db.obj.execute_sql = original
    assert len(queries) == 1


def test_a_slot_value_is_a_parameter_never_text_in_the_statement():
    prepared = Prepared(lambda name: Institution.select(Institution.id).where(Institution.name == name).tuples(),
                        "name")
    make_institution(name="学院")
    assert prepared.scalar(name="' OR 1=1 --") is None
    assert prepared.scalar(name="学院") is not None
