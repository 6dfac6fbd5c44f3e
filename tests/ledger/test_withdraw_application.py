"""Can a learner take back an application that waits for its first decision, and apply again?"""
import pytest

from models import AchievementStatus, Application, ApplicationStatus, LearnerAchievement
from services import ledger
from tests import factories
from tests.ledger.conftest import convert


def test_a_recognition_withdrawn_returns_the_achievement_and_may_be_applied_again(ledger_world, client_as):
    w = ledger_world
    informal = factories.make_achievement(w.learner)
    application = ledger.submit_recognition(informal, w.learner)
    learner = client_as(w.learner)
    page = learner.get(f"/me/recognition/{informal.id}/records").get_data(as_text=True)
    assert f'data-withdraw-application="{application.id}"' in page and "撤回申请" in page
    reviewer = client_as(w.reviewer)
    assert informal.name in reviewer.get("/admin/recognition_review/").get_data(as_text=True)

    response = learner.post(f"/me/applications/{application.id}/withdraw", follow_redirects=True)
    assert "申请已撤回" in response.get_data(as_text=True)
    row = Application.get_by_id(application.id)
    assert row.status == ApplicationStatus.WITHDRAWN and row.withdrawn_at is not None
    assert LearnerAchievement.get_by_id(informal.id).status == AchievementStatus.NOT_APPLIED
    assert informal.name not in reviewer.get("/admin/recognition_review/").get_data(as_text=True)
    with pytest.raises(ledger.Refused) as late:  # the reviewer's page was open: the decision is refused
        ledger.decide_recognition(application, w.reviewer, True, "同意")
    assert "学员已撤回该申请" in str(late.value)
    again = ledger.submit_recognition(LearnerAchievement.get_by_id(informal.id), w.learner)
    assert again.status == ApplicationStatus.PENDING


def test_a_conversion_withdrawn_before_its_initial_review_frees_the_rule(ledger_world, client_as):
    w = ledger_world
    application = ledger.submit_conversion(w.stored, w.rule, w.learner)
    learner = client_as(w.learner)
    learner.post(f"/me/applications/{application.id}/withdraw")
    assert Application.get_by_id(application.id).status == ApplicationStatus.WITHDRAWN
    form = learner.get(f"/me/conversions/{w.stored.id}/apply").get_data(as_text=True)
    assert f'value="{w.rule.id}"' in form  # offered again
    assert learner.post(f"/me/conversions/{w.stored.id}/apply", data={"rule": w.rule.id}).status_code == 302
    assert Application.select().where(Application.achievement == w.stored,
                                      Application.status == ApplicationStatus.PENDING).count() == 1


def test_no_withdrawal_after_the_first_decision_nor_of_others_applications(ledger_world, client_as):
    w = ledger_world
    application = ledger.submit_conversion(w.stored, w.rule, w.learner)
    ledger.initial_review(application, w.reviewer, True, "同意")
    learner = client_as(w.learner)
    page = learner.get(f"/me/conversions/{w.stored.id}/progress").get_data(as_text=True)
    assert "data-withdraw-application" not in page
    learner.post(f"/me/applications/{application.id}/withdraw")
    assert Application.get_by_id(application.id).status == ApplicationStatus.INITIAL_PASSED
    stranger = client_as(factories.make_learner())
    assert stranger.post(f"/me/applications/{application.id}/withdraw").status_code == 404


def test_an_institution_batch_is_not_the_learners_to_withdraw(ledger_world):
    w = ledger_world
    batch = ledger.submit_batch(w.a, w.rule, [w.stored], w.a_admin)
    application = Application.get(Application.batch == batch.id)
    with pytest.raises(ledger.Refused):
        ledger.withdraw_application(application, w.learner)
    assert Application.get_by_id(application.id).status == ApplicationStatus.PENDING


def test_a_passed_conversion_cannot_be_withdrawn_only_revoked(ledger_world):
    w = ledger_world
    passed = convert(w, w.stored, w.rule)
    with pytest.raises(ledger.Refused):
        ledger.withdraw_application(passed, w.learner)
    assert Application.get_by_id(passed.id).status == ApplicationStatus.PASSED
