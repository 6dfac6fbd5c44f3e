"""Can the ledger take back what it granted? Withdrawing a source or revoking a conversion
revokes everything resting on it, in one transaction, deleting nothing."""
import pytest

from models import (
    AchievementStatus,
    Application,
    ApplicationStatus,
    AuditLog,
    LearnerAchievement,
    Message,
    Permission,
    Role,
    UserPermission,
)
from services import ledger
from services.credentials import status as status_list
from services.ledger import pathways
from tests import factories
from tests.ledger.conftest import convert, pdf


def granted(application, catalogue):
    return LearnerAchievement.get(LearnerAchievement.granted_by == application.id,
                                  LearnerAchievement.catalogue == catalogue.id)


def revoked_bits(*subjects):
    """Whether each (type, id) issued credential's status-list bit is set now."""
    found = []
    for subject_type, subject_id, learner_id in subjects:
        entry = status_list.entry_for(subject_type, subject_id, learner_id)
        found.append(entry.status_index in status_list.revoked_indices(entry.status_list))
    return found


def test_withdrawing_a_source_revokes_its_conversion_the_target_and_the_chain(ledger_world):
    w = ledger_world
    first = convert(w, w.stored, w.rule)
    course = granted(first, w.course)
    second = convert(w, course, w.onward)  # the course itself converted on
    module = granted(second, w.module)
    assert first.certificate_code and second.certificate_code  # minted at the grant
    credits_before = pathways.credit_account(w.learner.id)["total"]
    subjects = [("achievement", course.id, w.learner.id), ("achievement", module.id, w.learner.id),
                ("conversion", first.id, w.learner.id), ("conversion", second.id, w.learner.id)]
    assert revoked_bits(*subjects) == [False] * 4

    plan = ledger.withdraw_achievement(w.stored, w.a_admin, "证书编号录入错误", pdf())

    assert {a.id for a in plan.revoked} == {first.id, second.id}
    assert {t.id for t in plan.targets} == {course.id, module.id}
    for application in (first, second):
        row = Application.get_by_id(application.id)
        assert row.status == ApplicationStatus.REVOKED and row.revoked_reason == "证书编号录入错误"
        assert row.revoked_at is not None and row.certificate_code == application.certificate_code
    for target in (course, module):
        row = LearnerAchievement.get_by_id(target.id)  # kept, readable, no longer standing
        assert row.status == AchievementStatus.REVOKED and row.revoked_reason == "证书编号录入错误"
    assert LearnerAchievement.get_by_id(w.stored.id).status == AchievementStatus.WITHDRAWN
    # Credits leave the account: only what still stands counts (here nothing).
    assert pathways.credit_account(w.learner.id)["total"] == 0 < credits_before
    assert revoked_bits(*subjects) == [True] * 4
    # The learner and the receiving institution are told.
    inbox = [m.title for m in Message.select().where(Message.user == w.learner)]
    assert inbox.count("转换已撤销") == 2 and "成果已撤回" in inbox
    assert Message.select().where(Message.user == w.b_admin, Message.title == "转换已撤销").count() == 2
    assert AuditLog.select().where(AuditLog.action == "conversion_revoked").count() == 2
    assert AuditLog.select().where(AuditLog.action == "achievement_revoked").count() == 2


def test_withdrawing_a_source_closes_its_open_applications(ledger_world):
    w = ledger_world
    waiting = ledger.submit_conversion(w.stored, w.rule, w.learner)
    ledger.withdraw_achievement(w.stored, w.a_admin, "颁证日期有误", pdf())
    row = Application.get_by_id(waiting.id)
    assert row.status == ApplicationStatus.REVOKED and row.revoked_reason == "颁证日期有误"
    with pytest.raises(ledger.Refused):  # a reviewer can no longer decide it
        ledger.initial_review(waiting, w.reviewer, True, "同意")


def test_the_center_revokes_a_passed_conversion_and_only_what_it_granted(ledger_world):
    w = ledger_world
    first = convert(w, w.stored, w.rule)
    course = granted(first, w.course)
    # The learner also holds the module by another path: not granted by this chain.
    own_module = factories.make_achievement(w.learner, w.module)
    plan = ledger.revoke_conversion(first, w.center, "审核材料造假")
    assert [a.id for a in plan.revoked] == [first.id] and [t.id for t in plan.targets] == [course.id]
    assert LearnerAchievement.get_by_id(w.stored.id).status == AchievementStatus.CATALOGUE  # the source stands
    assert LearnerAchievement.get_by_id(own_module.id).status == AchievementStatus.CATALOGUE
    assert LearnerAchievement.get_by_id(course.id).status == AchievementStatus.REVOKED
    with pytest.raises(ledger.Refused) as refused:  # revoked twice
        ledger.revoke_conversion(Application.get_by_id(first.id), w.center, "再次撤销")
    assert "只能撤销审核通过的转换" in str(refused.value)
    # Applying again under the rule is refused with the revocation's own words.
    with pytest.raises(ledger.Refused) as again:
        ledger.submit_conversion(w.stored, w.rule, w.learner)
    assert "该转换已被撤销，不能再次申请" in str(again.value)


@pytest.mark.parametrize("who, allowed", [
    ("center", True), ("b_admin", True), ("b_records_sub", True), ("b_other_sub", False), ("a_admin", False),
    ("learner", False), ("committee", False), ("reviewer", False),
])
def test_who_may_revoke_a_conversion(ledger_world, who, allowed):
    """The center and the institution that received the conversion; nobody else."""
    w = ledger_world
    first = convert(w, w.stored, w.rule)
    users = {
        "b_records_sub": factories.make_user(Role.SUBUSER, institution=w.b),
        "b_other_sub": factories.make_user(Role.SUBUSER, institution=w.b),
    }
    UserPermission.create(user=users["b_records_sub"], permission=Permission.RECORDS)
    UserPermission.create(user=users["b_other_sub"], permission=Permission.REVIEWS)
    user = users.get(who) or getattr(w, who)
    if allowed:
        ledger.revoke_conversion(first, user, "理由")
        assert Application.get_by_id(first.id).status == ApplicationStatus.REVOKED
    else:
        with pytest.raises(ledger.Refused):
            ledger.revoke_conversion(first, user, "理由")
        assert Application.get_by_id(first.id).status == ApplicationStatus.PASSED


def test_a_revocation_needs_a_reason_and_writes_nothing_without_one(ledger_world):
    w = ledger_world
    first = convert(w, w.stored, w.rule)
    for reason in ("", "   ", "长" * 501):
        with pytest.raises(ledger.Refused):
            ledger.revoke_conversion(first, w.center, reason)
    assert Application.get_by_id(first.id).status == ApplicationStatus.PASSED
    assert granted(first, w.course).status == AchievementStatus.RECOGNISED


def test_a_revoked_target_is_granted_again_by_a_later_conversion(ledger_world):
    """Revocation keeps the row; a new, passed conversion of another source grants it again."""
    w = ledger_world
    first = convert(w, w.stored, w.rule)
    ledger.revoke_conversion(first, w.center, "误审")
    other = factories.make_catalogue("training", name="统计员证书")
    again_rule = factories.make_rule([other], [w.course], institution=w.b)
    second = convert(w, factories.make_achievement(w.learner, other), again_rule)
    row = granted(second, w.course)
    assert row.status == AchievementStatus.RECOGNISED and row.revoked_reason is None
    assert LearnerAchievement.select().where(LearnerAchievement.learner == w.learner,
                                             LearnerAchievement.catalogue == w.course).count() == 1
