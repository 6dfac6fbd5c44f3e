"""An institution decides a batch: set-based (the same number of queries for 10 learners as
for 60), each application once however many reviewers press at the same moment, each
learner notified and granted."""
import datetime as dt
import threading

import pytest

from models import (
    AchievementSource,
    Application,
    ApplicationStatus,
    AuditLog,
    LearnerAchievement,
    Message,
    ReviewRecord,
    Role,
    SmsOutbox,
    User,
    db,
)
from services import ledger
from tests import factories
from tests.queries import count_queries


def batch_of(world, size):
    for n in range(size):
        learner = factories.make_learner(real_name=f"批量学员{n:03d}", added_by_institution=world.a)
        factories.make_achievement(learner, world.certificate, source=AchievementSource.INSTITUTION,
                                   stored_by=world.a, personal_code=f"B-{n:04d}", obtained_on=dt.date(2021, 6, 30))
    holders = ledger.batch_holders(world.a.id, world.rule.id)
    return ledger.submit_batch(world.a, world.rule, holders, world.a_admin)


@pytest.mark.parametrize("agree", [True, False])
def test_a_batch_decision_costs_the_same_for_any_size(ledger_world, agree):
    w = ledger_world
    small, large = batch_of(w, 10), None
    with count_queries() as few:
        assert ledger.review_batch(small, w.b_admin, agree, "" if agree else "材料不全") == 11  # with w.stored
    large = batch_of(w, 60)  # after a refusal the first eleven may be batched again
    size = large.created
    assert size == (60 if agree else 71)
    with count_queries() as many:
        assert ledger.review_batch(large, w.b_admin, agree, "" if agree else "材料不全") == size
    assert many["n"] == few["n"] <= 40, (few["n"], many["n"])
    decided = Application.select().where(Application.batch == large.id)
    status = ApplicationStatus.PASSED if agree else ApplicationStatus.REFUSED
    assert {a.status for a in decided} == {status} and all(a.decided_at and a.decided_stage for a in decided)
    assert ReviewRecord.select().join(Application).where(Application.batch == large.id).count() == size
    assert AuditLog.select().where(AuditLog.action == "review_batch").count() == 11 + size
    learners = [a.learner_id for a in decided]
    told = Message.select().where(Message.user.in_(learners), Message.link.contains("/me/"))
    assert told.count() == size + (0 if agree else 11)  # those refused twice were told twice
    phones = [u.phone for u in User.select().where(User.id.in_(learners))]
    assert SmsOutbox.select().where(SmsOutbox.phone.in_(phones)).count() == told.count()
    granted = LearnerAchievement.select().where(LearnerAchievement.learner.in_(learners),
                                                LearnerAchievement.catalogue == w.course)
    assert granted.count() == (size if agree else 0)
    if agree:
        assert all(a.certificate_code for a in decided) and len({a.certificate_code for a in decided}) == size
        assert {g.granted_by for g in granted} == {a.id for a in decided}


def test_two_reviewers_deciding_one_batch_at_once_decide_each_application_once(app, ledger_world):
    w = ledger_world
    batch = batch_of(w, 30)
    reviewers = [w.b_admin, factories.make_user(Role.INSTITUTION, institution=w.b)]
    barrier = threading.Barrier(len(reviewers))
    results = {}

    def decide(user_id):
        with app.app_context(), db.connection_context():
            barrier.wait()
            try:
                results[user_id] = ledger.review_batch(batch, User.get_by_id(user_id), True, "")
            except ledger.Refused as refused:
                results[user_id] = str(refused)

    threads = [threading.Thread(target=decide, args=(u.id,)) for u in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = sorted(v for v in results.values() if isinstance(v, int))
    assert sum(counts) == 31, results  # every application decided once, by one of them
    assert ReviewRecord.select().join(Application).where(Application.batch == batch.id).count() == 31
    assert LearnerAchievement.select().where(LearnerAchievement.catalogue == w.course).count() == 31
