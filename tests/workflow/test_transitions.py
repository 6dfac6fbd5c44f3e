"""Every transition of the ledger (services.ledger), and the illegal ones (SPEC §4, §6, §8)."""
import io
import os

import pytest
from werkzeug.datastructures import FileStorage

from models import (
    AchievementSource,
    AchievementStatus,
    Application,
    ApplicationStatus,
    Attachment,
    AuditLog,
    LearnerAchievement,
    Message,
    ReviewRecord,
    SmsOutbox,
)
from services import ledger
from services.records import achievements
from services.records.errors import Refused
from tests import factories

PNG = factories.png_bytes()


def png(name="scan.png"):
    return FileStorage(io.BytesIO(PNG), filename=name)


@pytest.fixture
def people(app, reference):
    point = factories.make_teaching_point(name="广州教学点")
    return {
        "point": point,
        "learner": factories.make_learner(teaching_point=point, real_name="陈晓明"),
        "reviewer": factories.make_user("reviewer", institution=point, real_name="李老师"),
        "other_reviewer": factories.make_user("reviewer"),
        "committee": factories.make_user("committee", real_name="周教授"),
    }


@pytest.fixture
def conversion(people):
    """A learner holding the 1+X certificate, and a published rule to two courses."""
    college = factories.make_institution(name="广东理工职业学院")
    source = factories.make_catalogue("training", name="云计算平台运维与开发中级工程师")
    courses = [
        factories.make_catalogue("course", institution=college, name=name) for name in ("容器技术与应用", "项目工程管理")
    ]
    rule = factories.make_rule([source], courses)
    achievement = factories.make_achievement(people["learner"], source)
    return {"rule": rule, "achievement": achievement, "courses": courses, "college": college}


def test_initial_status_follows_the_catalogue(people):
    assert achievements.initial_status(factories.category("course"), object()) == AchievementStatus.CATALOGUE
    assert achievements.initial_status(factories.category("course"), None) == AchievementStatus.NOT_APPLIED
    assert achievements.initial_status(factories.category("perf_work"), object()) == AchievementStatus.NOT_APPLIED


def test_recognition_pass(people):
    achievement = factories.make_achievement(people["learner"])
    application = ledger.submit_recognition(achievement, people["learner"])
    assert LearnerAchievement.get_by_id(achievement.id).status == AchievementStatus.UNDER_REVIEW
    ledger.decide_recognition(application, people["reviewer"], True, "教学点：广州教学点 审核人：李老师 意见：同意")
    assert LearnerAchievement.get_by_id(achievement.id).status == AchievementStatus.RECOGNISED
    assert Application.get_by_id(application.id).status == ApplicationStatus.PASSED
    assert ReviewRecord.get(ReviewRecord.application == application).opinion.endswith("同意")
    assert AuditLog.select().where(AuditLog.action == "review_recognition").count() == 1
    assert Message.select().where(Message.user == people["learner"]).count() == 1
    assert SmsOutbox.select().where(SmsOutbox.phone == people["learner"].phone).count() == 1


def test_recognition_refused_then_reapplied(people):
    achievement = factories.make_achievement(people["learner"])
    first = ledger.submit_recognition(achievement, people["learner"])
    ledger.decide_recognition(first, people["reviewer"], False, "意见：不同意")
    assert LearnerAchievement.get_by_id(achievement.id).status == AchievementStatus.REFUSED
    second = ledger.submit_recognition(LearnerAchievement.get_by_id(achievement.id), people["learner"])
    assert second.id != first.id
    assert LearnerAchievement.get_by_id(achievement.id).status == AchievementStatus.UNDER_REVIEW


def test_illegal_recognition_moves_change_nothing(people):
    achievement = factories.make_achievement(people["learner"])
    application = ledger.submit_recognition(achievement, people["learner"])
    with pytest.raises(Refused):  # twice
        ledger.submit_recognition(achievement, people["learner"])
    with pytest.raises(Refused):  # another teaching point's reviewer
        ledger.decide_recognition(application, people["other_reviewer"], True, "同意")
    with pytest.raises(Refused):  # a committee member does not recognise
        ledger.decide_recognition(application, people["committee"], True, "同意")
    with pytest.raises(Refused):  # the learner cannot review
        ledger.decide_recognition(application, people["learner"], True, "同意")
    ledger.decide_recognition(application, people["reviewer"], True, "同意")
    with pytest.raises(Refused):  # review twice
        ledger.decide_recognition(application, people["reviewer"], False, "不同意")
    assert ReviewRecord.select().count() == 1
    assert LearnerAchievement.get_by_id(achievement.id).status == AchievementStatus.RECOGNISED


def test_someone_elses_achievement_cannot_be_submitted(people):
    achievement = factories.make_achievement(people["learner"])
    with pytest.raises(Refused):
        ledger.submit_recognition(achievement, factories.make_learner())
    assert Application.select().count() == 0


def test_conversion_through_both_reviews_grants_targets_once(people, conversion):
    learner = people["learner"]
    application = ledger.submit_conversion(conversion["achievement"], conversion["rule"], learner, [png()])
    with pytest.raises(Refused):  # final review before the initial one
        ledger.final_review(application, people["committee"], True, "审核人：学分银行管理中心 周教授")
    ledger.initial_review(application, people["reviewer"], True, "教学点：广州教学点 审核人：李老师 意见：同意", [png()])
    assert Application.get_by_id(application.id).status == ApplicationStatus.INITIAL_PASSED
    ledger.final_review(application, people["committee"], True, "审核人：学分银行管理中心 周教授")
    granted = LearnerAchievement.select().where(
        LearnerAchievement.learner == learner, LearnerAchievement.source == AchievementSource.CONVERSION
    )
    assert sorted(a.name for a in granted) == ["容器技术与应用", "项目工程管理"]
    assert all(a.status == AchievementStatus.RECOGNISED and a.granted_by == application.id for a in granted)
    assert Application.get_by_id(application.id).certificate_code
    with pytest.raises(Refused):
        ledger.final_review(application, people["committee"], True, "再次")
    assert granted.count() == 2
    texts = [row.body for row in SmsOutbox.select().where(SmsOutbox.phone == learner.phone).order_by(SmsOutbox.id)]
    assert texts[0] == (
        "【学分银行】您申请的 云计算平台运维与开发中级工程师 学习成果转换 容器技术与应用、项目工程管理 "
        "学习成果已经初审通过，进入终审阶段。"
    )
    assert texts[1] == (
        "【学分银行】您申请的 云计算平台运维与开发中级工程师 学习成果转换 广东理工职业学院 容器技术与应用 "
        "学习成果已经审核通过，广东理工职业学院 容器技术与应用 学习成果已自动添加到您个人学习账户下，可登录平台查看。"
    )


def test_conversion_refused_at_initial_review_is_terminal(people, conversion):
    application = ledger.submit_conversion(conversion["achievement"], conversion["rule"], people["learner"])
    ledger.initial_review(application, people["reviewer"], False, "意见：不同意")
    assert Application.get_by_id(application.id).status == ApplicationStatus.REFUSED
    with pytest.raises(Refused):
        ledger.final_review(application, people["committee"], True, "同意")
    # The learner may apply again.
    ledger.submit_conversion(conversion["achievement"], conversion["rule"], people["learner"])


def test_conversion_needs_an_applicable_published_rule_and_applies_once(people, conversion):
    learner = people["learner"]
    other_rule = factories.make_rule([factories.make_catalogue()], [factories.make_catalogue("course")])
    with pytest.raises(Refused):
        ledger.submit_conversion(conversion["achievement"], other_rule, learner)
    ledger.submit_conversion(conversion["achievement"], conversion["rule"], learner)
    with pytest.raises(Refused):
        ledger.submit_conversion(conversion["achievement"], conversion["rule"], learner)
    assert Application.select().count() == 1


def test_initial_review_of_a_performance_conversion_is_refused(people):
    achievement = factories.make_achievement(people["learner"], status=AchievementStatus.RECOGNISED)
    target = factories.make_catalogue("course")
    application = ledger.submit_performance(achievement, target, people["learner"])
    with pytest.raises(Refused):
        ledger.initial_review(application, people["reviewer"], True, "同意")
    with pytest.raises(Refused):  # teaching points do not decide performance conversions
        ledger.performance_review(application, people["reviewer"], True, "同意")
    ledger.performance_review(application, people["committee"], True, "审核人：学分银行管理中心 周教授")
    assert LearnerAchievement.get(
        LearnerAchievement.learner == people["learner"], LearnerAchievement.catalogue == target
    ).source == AchievementSource.CONVERSION


def test_performance_needs_a_recognised_informal_achievement(people):
    target = factories.make_catalogue("course")
    for achievement in (
        factories.make_achievement(people["learner"]),  # not yet recognised
        factories.make_achievement(people["learner"], factories.make_catalogue()),  # not informal
    ):
        with pytest.raises(Refused):
            ledger.submit_performance(achievement, target, people["learner"])


def test_withdrawn_achievement_cannot_be_reviewed(people, conversion):
    college = factories.make_institution()
    staff = factories.make_user("institution", institution=college)
    achievement = conversion["achievement"]
    LearnerAchievement.update(stored_by=college).where(LearnerAchievement.id == achievement.id).execute()
    application = ledger.submit_conversion(achievement, conversion["rule"], people["learner"])
    with pytest.raises(Refused):  # a reason is required
        ledger.withdraw_achievement(LearnerAchievement.get_by_id(achievement.id), staff, "", png())
    ledger.withdraw_achievement(LearnerAchievement.get_by_id(achievement.id), staff, "证书编号有误", png())
    assert LearnerAchievement.get_by_id(achievement.id).status == AchievementStatus.WITHDRAWN
    with pytest.raises(Refused):
        ledger.initial_review(application, people["reviewer"], True, "同意")
    assert Application.get_by_id(application.id).status == ApplicationStatus.REVOKED


def test_another_institution_cannot_withdraw(people, conversion):
    staff = factories.make_user("institution")
    with pytest.raises(Refused):
        ledger.withdraw_achievement(conversion["achievement"], staff, "理由", png())
    assert LearnerAchievement.get_by_id(conversion["achievement"].id).status == AchievementStatus.CATALOGUE


def test_institution_batch_pass_and_fail(people, conversion):
    origin = conversion["rule"].sources.get().catalogue.institution  # the source's own institution
    staff = factories.make_user("institution", institution=origin)
    publisher = factories.make_user("institution", institution=conversion["college"])
    holders = []
    for _ in range(3):
        learner = factories.make_learner()
        holders.append(factories.make_achievement(learner, conversion["rule"].sources.get().catalogue, stored_by=origin))
    batch = ledger.submit_batch(origin, conversion["rule"], holders, staff)
    apps = list(Application.select().where(Application.batch == batch).order_by(Application.id))
    assert len(apps) == 3
    with pytest.raises(Refused):  # only the rule's institution reviews
        ledger.review_batch(batch, staff, True, "")
    with pytest.raises(Refused):  # a refusal needs its reason
        ledger.review_batch(batch, publisher, False, "", [apps[0].id])
    with pytest.raises(Refused):
        ledger.review_batch(batch, publisher, False, "x" * 501, [apps[0].id])
    ledger.review_batch(batch, publisher, False, "材料不全", [apps[0].id])
    ledger.review_batch(batch, publisher, True, "")  # the rest
    statuses = [Application.get_by_id(a.id).status for a in apps]
    assert statuses == [ApplicationStatus.REFUSED, ApplicationStatus.PASSED, ApplicationStatus.PASSED]


def test_a_withdrawn_target_is_granted_again(people, conversion):
    """If the learner's copy of a target was withdrawn by its institution, a final pass
    grants it again (and says so) instead of silently adding nothing."""
    learner = people["learner"]
    withdrawn = factories.make_achievement(learner, conversion["courses"][0], status=AchievementStatus.WITHDRAWN)
    application = ledger.submit_conversion(conversion["achievement"], conversion["rule"], learner)
    ledger.initial_review(application, people["reviewer"], True, "同意")
    ledger.final_review(application, people["committee"], True, "审核人")
    revived = LearnerAchievement.get_by_id(withdrawn.id)
    assert (revived.status, revived.source, revived.granted_by) == (
        AchievementStatus.RECOGNISED, AchievementSource.CONVERSION, application.id
    )
    assert LearnerAchievement.select().where(LearnerAchievement.learner == learner).count() == 3


def test_granted_institution_type_is_held_under_its_learner_subcategory(people):
    """A target stored under an institution type (职业教育学历课程) is held as a 课程."""
    course_type = factories.category("inst_voc_course")
    source = factories.make_catalogue()
    target = factories.make_catalogue("inst_voc_course")
    rule = factories.make_rule([source], [target])
    application = ledger.submit_conversion(factories.make_achievement(people["learner"], source), rule, people["learner"])
    ledger.initial_review(application, people["reviewer"], True, "同意")
    ledger.final_review(application, people["committee"], True, "审核人")
    held = LearnerAchievement.get(LearnerAchievement.catalogue == target)
    assert held.category_id == course_type.learner_category_id == factories.category("course").id


def stored_files(app):
    return {name for _folder, _dirs, names in os.walk(app.config["UPLOAD_DIR"]) for name in names}


def test_a_rolled_back_upload_leaves_no_file(app, people, conversion):
    """Two withdrawals of one achievement race: the loser's reason file was written
    before its transaction rolled back, and is removed when its request ends."""
    college = factories.make_institution()
    staff = factories.make_user("institution", institution=college)
    achievement = conversion["achievement"]
    LearnerAchievement.update(stored_by=college).where(LearnerAchievement.id == achievement.id).execute()
    stale = LearnerAchievement.get_by_id(achievement.id)
    before = stored_files(app)
    with app.test_request_context():
        ledger.withdraw_achievement(LearnerAchievement.get_by_id(achievement.id), staff, "证书编号有误", png())
    with app.test_request_context(), pytest.raises(Refused):
        ledger.withdraw_achievement(stale, staff, "证书编号有误", png())
    kept = Attachment.of("withdrawal", achievement.id)
    assert kept.count() == 1
    assert stored_files(app) - before == {kept.get().stored_name}
