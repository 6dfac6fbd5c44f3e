"""Exactly once: reviewers deciding the same application at the same moment."""
import threading

import pytest

from models import Application, LearnerAchievement, Message, ReviewRecord, SmsOutbox, User, db
from services import ledger
from tests import factories

REVIEWERS = 6


def test_concurrent_decisions_write_once(app, reference):
    """N teaching-point admins press 认定通过 together: one wins, the others are told."""
    point = factories.make_teaching_point()
    learner = factories.make_learner(teaching_point=point)
    reviewers = [factories.make_user("reviewer", institution=point) for _ in range(REVIEWERS)]
    application = ledger.submit_recognition(factories.make_achievement(learner), learner)
    barrier = threading.Barrier(REVIEWERS)
    outcomes = []

    def decide(reviewer_id):
        with app.app_context(), db.connection_context():
            reviewer = User.get_by_id(reviewer_id)
            barrier.wait()
            try:
                ledger.decide_recognition(Application.get_by_id(application.id), reviewer, True, "同意")
                outcomes.append("won")
            except ledger.Refused as error:
                outcomes.append(str(error))

    threads = [threading.Thread(target=decide, args=(r.id,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1, outcomes
    assert all(o in ("won", "该申请已被他人审核") for o in outcomes), outcomes
    assert ReviewRecord.select().where(ReviewRecord.application == application.id).count() == 1
    assert Message.select().where(Message.user == learner).count() == 1
    assert SmsOutbox.select().where(SmsOutbox.phone == learner.phone).count() == 1


@pytest.mark.parametrize("agree", [True, False])
def test_concurrent_final_reviews_grant_once(app, reference, agree):
    point = factories.make_teaching_point()
    learner = factories.make_learner(teaching_point=point)
    reviewer = factories.make_user("reviewer", institution=point)
    committee = [factories.make_user("committee") for _ in range(4)]
    source, target = factories.make_catalogue(), factories.make_catalogue("course")
    rule = factories.make_rule([source], [target])
    application = ledger.submit_conversion(factories.make_achievement(learner, source), rule, learner)
    ledger.initial_review(application, reviewer, True, "同意")
    barrier = threading.Barrier(len(committee))
    wins = []

    def decide(user_id):
        with app.app_context(), db.connection_context():
            barrier.wait()
            try:
                ledger.final_review(Application.get_by_id(application.id), User.get_by_id(user_id), agree, "审核人")
                wins.append(user_id)
            except ledger.Refused:
                pass

    threads = [threading.Thread(target=decide, args=(u.id,)) for u in committee]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1
    assert ReviewRecord.select().where(ReviewRecord.application == application.id).count() == 2
    assert LearnerAchievement.select().where(LearnerAchievement.learner == learner).count() == (2 if agree else 1)
