"""认定成果申请, 转换成果申请 with 进度查询, 业绩类成果转换申请, 问题反馈, 收件箱."""
import pytest

from models import (
    AchievementSource,
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Feedback,
    LearnerAchievement,
    Message,
    RuleStatus,
)
from services.messaging.notify import notify
from tests import factories
from tests.learner.helpers import learner_with_point, png

pytestmark = pytest.mark.usefixtures("reference")


@pytest.fixture
def learner_client(client_as):
    return client_as(learner_with_point())


def test_submit_for_recognition_and_see_the_records(learner_client):
    row = factories.make_achievement(learner_client.user, name="广东省职业技能大赛三等奖")
    page = learner_client.get("/me/recognition").get_data(as_text=True)
    assert "广东省职业技能大赛三等奖" in page and "教学点" in page and "data-confirm" in page
    learner_client.post(f"/me/recognition/{row.id}/submit")
    application = Application.get(Application.achievement == row)
    assert application.kind == ApplicationKind.RECOGNITION and application.status == ApplicationStatus.PENDING
    assert application.teaching_point_id == learner_client.user.teaching_point_id
    assert LearnerAchievement.get_by_id(row.id).status == AchievementStatus.UNDER_REVIEW
    learner_client.post(f"/me/recognition/{row.id}/submit")  # a second click changes nothing
    assert Application.select().count() == 1
    records = learner_client.get(f"/me/recognition/{row.id}/records").get_data(as_text=True)
    assert "认定中" in records and "等待教学点审核" in records  # the pending attempt is listed


def test_recognition_list_filters(learner_client):
    factories.make_achievement(learner_client.user, name="竞赛甲")
    factories.make_achievement(learner_client.user, name="研究乙", category=factories.category("perf_research"))
    factories.make_achievement(learner_client.user, factories.make_catalogue(), name="名录丙")
    page = learner_client.get("/me/recognition").get_data(as_text=True)
    assert "竞赛甲" in page and "研究乙" in page and "名录丙" not in page  # catalogue ones need no recognition
    page = learner_client.get(f"/me/recognition?category={factories.category('perf_research').id}").get_data(as_text=True)
    assert "研究乙" in page and "竞赛甲" not in page
    page = learner_client.get("/me/recognition?name=竞赛").get_data(as_text=True)
    assert "竞赛甲" in page and "研究乙" not in page


@pytest.fixture
def convertible(learner_client):
    source = factories.make_catalogue(name="全国计算机等级考试一级证书")
    target = factories.make_catalogue(category_code="course", name="计算机应用基础",
                                      institution=factories.make_institution(name="广东开放大学"))
    rule = factories.make_rule([source], [target], name="一级证书转计算机应用基础")
    row = factories.make_achievement(learner_client.user, source)
    return row, rule


def test_conversion_list_shows_rule_counts(learner_client, convertible):
    row, rule = convertible
    page = learner_client.get("/me/conversions").get_data(as_text=True)
    assert 'data-rules>1<' in page and 'data-used>0<' in page and "未申请" in page


def test_the_list_opens_the_application_form_in_a_dialog(learner_client, convertible):
    row, rule = convertible
    listing = learner_client.get("/me/conversions").get_data(as_text=True)
    assert f'data-apply-url="/me/conversions/{row.id}/apply?dialog=1"' in listing and 'id="apply-dialog"' in listing
    fragment = learner_client.get(f"/me/conversions/{row.id}/apply?dialog=1").get_data(as_text=True)
    assert "<html" not in fragment and f'id="rule{rule.id}"' in fragment
    assert f'action="/me/conversions/{row.id}/apply"' in fragment  # posts to the page, which shows any errors


def test_apply_for_conversion_and_follow_progress(learner_client, convertible):
    row, rule = convertible
    page = learner_client.get(f"/me/conversions/{row.id}/apply").get_data(as_text=True)
    assert rule.code in page and "计算机应用基础" in page
    response = learner_client.post(f"/me/conversions/{row.id}/apply",
                                   data={"rule": str(rule.id), "materials": [png("scan.png")]},
                                   content_type="multipart/form-data")
    assert response.status_code == 302 and "/progress" in response.location
    application = Application.get(Application.achievement == row)
    assert (application.kind, application.rule_id, application.status) == (
        ApplicationKind.CONVERSION, rule.id, ApplicationStatus.PENDING)
    progress = learner_client.get(response.location).get_data(as_text=True)
    assert "暂无审核记录" in progress and "待转换初审" in progress
    page = learner_client.get("/me/conversions").get_data(as_text=True)
    assert 'data-used>1<' in page and "已申请" in page


def test_applying_twice_with_the_same_rule_is_refused(learner_client, convertible):
    row, rule = convertible
    learner_client.post(f"/me/conversions/{row.id}/apply", data={"rule": str(rule.id)})
    body = learner_client.post(f"/me/conversions/{row.id}/apply", data={"rule": str(rule.id)}).get_data(as_text=True)
    assert "您已提交过该转换申请" in body
    assert Application.select().count() == 1


def test_a_rule_that_does_not_apply_is_refused(learner_client, convertible):
    row, _rule = convertible
    other = factories.make_rule([factories.make_catalogue()], [factories.make_catalogue(category_code="course")])
    draft = factories.make_rule([row.catalogue], [factories.make_catalogue(category_code="course")],
                                status=RuleStatus.DRAFT)
    for rule in (other, draft):
        body = learner_client.post(f"/me/conversions/{row.id}/apply", data={"rule": str(rule.id)}).get_data(as_text=True)
        assert "请选择适用于该成果的规则" in body
    assert Application.select().count() == 0


def test_no_applicable_rule_points_to_the_rule_query(learner_client):
    row = factories.make_achievement(learner_client.user, factories.make_catalogue())
    page = learner_client.get(f"/me/conversions/{row.id}/apply").get_data(as_text=True)
    assert "暂无适用于该成果的已发布转换规则" in page and 'href="/rules"' in page


def test_performance_conversion(learner_client):
    row = factories.make_achievement(learner_client.user, name="技能大赛一等奖", status=AchievementStatus.RECOGNISED)
    target = factories.make_catalogue(project_name="电子商务", name="电子商务概论")
    page = learner_client.get(f"/me/performance/{row.id}/apply?name=电子商务").get_data(as_text=True)
    assert "电子商务概论" in page
    response = learner_client.post(f"/me/performance/{row.id}/apply", data={"target_id": str(target.id)})
    assert response.status_code == 302
    application = Application.get(Application.achievement == row)
    assert (application.kind, application.target_id) == (ApplicationKind.PERFORMANCE, target.id)
    page = learner_client.get(response.location).get_data(as_text=True)
    assert "提交成功" in page and "电子商务概论" in page


def test_feedback_on_an_institution_stored_achievement(learner_client):
    college = factories.make_institution()
    account = factories.make_user("institution", institution=college)
    row = factories.make_achievement(learner_client.user, factories.make_catalogue(institution=college),
                                     source=AchievementSource.INSTITUTION, stored_by=college)
    learner_client.post(f"/me/achievements/{row.id}/feedback", data={"content": "发证日期有误"})
    feedback = Feedback.get(Feedback.achievement == row)
    assert (feedback.institution_id, feedback.content) == (college.id, "发证日期有误")
    assert Message.select().where(Message.user == account).count() == 1
    page = learner_client.get("/me/feedback").get_data(as_text=True)
    assert "发证日期有误" in page and "未解决" in page
    own = factories.make_achievement(learner_client.user)
    assert learner_client.post(f"/me/achievements/{own.id}/feedback", data={"content": "x"}).status_code == 404


def test_inbox_counts_unread_and_opens_the_page_concerned(learner_client, client_as):
    notify(learner_client.user, "认定通过", "您的成果已认定", link="/me/recognition")
    other = learner_with_point()
    notify(other, "别人的消息", "不该看到")
    page = learner_client.get("/me/").get_data(as_text=True)
    assert "data-unread>1<" in page
    inbox = learner_client.get("/me/inbox").get_data(as_text=True)
    assert "认定通过" in inbox and "别人的消息" not in inbox
    message = Message.get(Message.user == learner_client.user)
    response = learner_client.post(f"/me/inbox/{message.id}")
    assert response.location.endswith("/me/recognition") and Message.get_by_id(message.id).read_at is not None
    other_message = Message.get(Message.user == other)
    assert learner_client.post(f"/me/inbox/{other_message.id}").status_code == 404
    assert Message.get_by_id(other_message.id).read_at is None
