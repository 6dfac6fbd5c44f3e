"""``models.base.Prepared``: a query whose SQL text is made once per kind of database
answers what the query itself answers, with each run's values, and reads joined rows as
models (the session row read on every request is one)."""
import pytest
from peewee import JOIN, SQL, fn
from playhouse.pool import PooledDatabase

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


def test_rows_are_read_right_when_the_first_runs_found_none(reference):
    """Which field each column fills is worked out from the first run that returns rows."""
    learner = make_learner()
    prepared = Prepared(counts_by_status, "learner")
    assert prepared.run(learner=learner.id) == []
    make_achievement(learner, status="refused")
    assert prepared.run(learner=learner.id) == [("refused", 1)]


def statements_run(action):
    """(result of ``action``, the statements it ran)."""
    ran = []
    original = db.obj.execute_sql
    db.obj.execute_sql = lambda sql, *args, **kwargs: ran.append(sql) or original(sql, *args, **kwargs)
    try:
        return action(), ran
    finally:
        db.obj.execute_sql = original


def postgres_only():
    if "postgres" not in type(db.obj).__name__.lower():
        pytest.skip("PostgreSQL keeps server-side statements; SQLite has no PREPARE")


def test_postgresql_prepares_a_server_statement_once_per_connection_and_keeps_it_past_a_rollback(reference):
    postgres_only()
    learner = make_learner()
    make_achievement(learner, status="refused")
    prepared = Prepared(counts_by_status, "learner", server=True)
    first, ran = statements_run(lambda: prepared.run(learner=learner.id))
    assert first == [("refused", 1)]
    assert [sql.split()[0] for sql in ran] == ["PREPARE", "EXECUTE"]
    name = ran[1].split()[1]
    assert db.execute_sql("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", (name,)).fetchone()[0] == 1
    with pytest.raises(RuntimeError), db.atomic():
        prepared.run(learner=learner.id)
        raise RuntimeError("rolled back")
    again, ran = statements_run(lambda: prepared.run(learner=learner.id))
    assert again == first and [sql.split()[0] for sql in ran] == ["EXECUTE"]
    connection = db.connection()
    db.close()  # a new connection prepares it again
    if isinstance(db.obj, PooledDatabase):
        db.obj.close_all()
    db.connect()
    assert db.connection() is not connection
    _, ran = statements_run(lambda: prepared.run(learner=learner.id))
    assert [sql.split()[0] for sql in ran] == ["PREPARE", "EXECUTE"]


def test_server_statements_can_be_turned_off_and_keep_literal_percent_signs(monkeypatch):
    postgres_only()
    make_institution(name="学院")
    prepared = Prepared(lambda name: Institution.select(Institution.name)
                        .where(Institution.name == name, SQL("'a%%b' LIKE 'a%%'")).tuples(), "name", server=True)
    assert prepared.run(name="学院") == [("学院",)]
    monkeypatch.setattr(db.obj, "server_prepared", False)
    rows, ran = statements_run(lambda: prepared.run(name="学院"))
    assert rows == [("学院",)] and ran[0].startswith("SELECT")
