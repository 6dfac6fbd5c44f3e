"""The review screens: 认定审核, 转换初审, 转换终审, 业绩类转换审核 (seed 000 三、四)."""
import io
import re

import pytest

from models import AchievementStatus, Application, ApplicationStatus, Attachment, LearnerAchievement, ReviewRecord
from services import ledger
from services.files import storage
from tests import factories

PNG = factories.png_bytes()


@pytest.fixture
def setting(app, reference):
    point = factories.make_teaching_point(name="广州教学点")
    learner = factories.make_learner(teaching_point=point, real_name="陈晓明")
    source = factories.make_catalogue("training", name="云计算平台运维与开发中级工程师")
    target = factories.make_catalogue("course", name="容器技术与应用")
    rule = factories.make_rule([source], [target])
    held = factories.make_achievement(learner, source)
    from werkzeug.datastructures import FileStorage

    storage.save_upload(FileStorage(io.BytesIO(PNG), filename="证书.png"), "learner_achievement", held.id, user=learner)
    return {
        "point": point,
        "learner": learner,
        "reviewer": factories.make_user("reviewer", institution=point, real_name="李老师"),
        "committee": factories.make_user("committee", real_name="周教授"),
        "conversion": ledger.submit_conversion(held, rule, learner),
        "recognition": ledger.submit_recognition(factories.make_achievement(learner), learner),
    }


def test_recognition_review_page_prefills_the_opinion_and_decides(setting, client_as):
    client = client_as(setting["reviewer"])
    listing = client.get("/admin/recognition_review/").get_data(as_text=True)
    assert "陈晓明" in listing
    page = client.get(f"/admin/recognition_review/review/{setting['recognition'].id}").get_data(as_text=True)
    assert "教学点：广州教学点 审核人：李老师 意见：同意" in page
    assert "认定通过" in page and "认定不通过" in page
    response = client.post(
        f"/admin/recognition_review/review/{setting['recognition'].id}",
        data={"opinion": "教学点：广州教学点 审核人：李老师 意见：同意", "decision": "agree"},
        follow_redirects=True,
    )
    assert "认定成功" in response.get_data(as_text=True)
    assert LearnerAchievement.get_by_id(setting["recognition"].achievement_id).status == AchievementStatus.RECOGNISED
    done = client.get("/admin/recognition_review/?tab=done").get_data(as_text=True)
    assert "陈晓明" in done
    assert "陈晓明" not in client.get("/admin/recognition_review/?tab=pending").get_data(as_text=True)
    opinion = client.get(f"/admin/recognition_review/review/{setting['recognition'].id}").get_data(as_text=True)
    assert "意见：同意" in opinion and 'name="decision"' not in opinion


def test_initial_review_shows_evidence_and_accepts_materials(setting, client_as):
    client = client_as(setting["reviewer"])
    app_id = setting["conversion"].id
    page = client.get(f"/admin/initial_review/review/{app_id}").get_data(as_text=True)
    evidence = Attachment.get(Attachment.owner_type == "learner_achievement")
    assert f"/files/{evidence.id}" in page
    assert client.get(f"/files/{evidence.id}").data == PNG
    response = client.post(
        f"/admin/initial_review/review/{app_id}",
        data={"opinion": "意见：同意", "decision": "agree", "files": (io.BytesIO(PNG), "补充材料.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "审核成功" in response.get_data(as_text=True)
    assert Application.get_by_id(app_id).status == ApplicationStatus.INITIAL_PASSED
    material = Attachment.get(Attachment.owner_type == "application", Attachment.purpose == "initial_review")
    # The committee sees the initial-review materials on the final review page.
    committee = client_as(setting["committee"])
    final_page = committee.get(f"/admin/final_review/review/{app_id}").get_data(as_text=True)
    assert f"/files/{material.id}" in final_page
    assert "审核人：学分银行管理中心 周教授" in final_page


def test_reviewer_of_another_teaching_point_cannot_open_or_decide(setting, client_as):
    stranger = client_as("reviewer")
    app_id = setting["recognition"].id
    assert "陈晓明" not in stranger.get("/admin/recognition_review/").get_data(as_text=True)
    page = stranger.get(f"/admin/recognition_review/review/{app_id}", follow_redirects=True).get_data(as_text=True)
    assert "陈晓明" not in page
    stranger.post(f"/admin/recognition_review/review/{app_id}", data={"opinion": "同意", "decision": "agree"})
    stranger.post("/admin/recognition_review/action/", data={"action": "agree", "rowid": [app_id]})
    assert ReviewRecord.select().count() == 0


@pytest.mark.parametrize("role", ["learner", "institution", "committee"])
def test_other_roles_cannot_post_teaching_point_actions(setting, client_as, role):
    client = client_as(role)
    response = client.post("/admin/initial_review/action/", data={"action": "agree", "rowid": [setting["conversion"].id]})
    assert response.status_code == 403
    assert Application.get_by_id(setting["conversion"].id).status == ApplicationStatus.PENDING


def test_batch_action_decides_selected_with_the_default_opinion(setting, client_as):
    client = client_as(setting["reviewer"])
    client.post("/admin/initial_review/action/", data={"action": "agree", "rowid": [setting["conversion"].id]})
    record = ReviewRecord.get(ReviewRecord.application == setting["conversion"].id)
    assert record.opinion == "教学点：广州教学点 审核人：李老师 意见：同意"


def test_final_review_lists_only_applications_past_the_initial_review(setting, client_as):
    committee = client_as(setting["committee"])
    assert "陈晓明" not in committee.get("/admin/final_review/").get_data(as_text=True)
    ledger.initial_review(setting["conversion"], setting["reviewer"], True, "同意")
    assert "陈晓明" in committee.get("/admin/final_review/").get_data(as_text=True)
    committee.post(
        f"/admin/final_review/review/{setting['conversion'].id}",
        data={"opinion": "审核人：学分银行管理中心 周教授", "decision": "agree"},
    )
    assert Application.get_by_id(setting["conversion"].id).status == ApplicationStatus.PASSED
    assert setting["learner"].achievements.where(LearnerAchievement.name == "容器技术与应用").count() == 1


def test_review_without_opinion_keeps_the_form(setting, client_as):
    client = client_as(setting["reviewer"])
    response = client.post(f"/admin/initial_review/review/{setting['conversion'].id}", data={"opinion": "", "decision": "agree"})
    assert response.status_code == 200
    assert Application.get_by_id(setting["conversion"].id).status == ApplicationStatus.PENDING


def test_review_post_without_csrf_token_is_refused(csrf_app, reference):
    point = factories.make_teaching_point()
    learner = factories.make_learner(teaching_point=point)
    reviewer = factories.make_user("reviewer", institution=point)
    application = ledger.submit_recognition(factories.make_achievement(learner), learner)
    client = csrf_app.test_client()
    token = client.get("/login").get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"csrf_token": token, "identity": "person", "identifier": reviewer.username,
                                "password": factories.PASSWORD})
    response = client.post(f"/admin/recognition_review/review/{application.id}", data={"opinion": "同意", "decision": "agree"})
    assert response.status_code == 400
    assert Application.get_by_id(application.id).status == ApplicationStatus.PENDING


def test_final_pass_is_visible_to_the_learner_once(setting, client_as):
    """After 转换终审 passes, 我的信息 lists the target once and 转换成果申请 says 已转换;
    the SMS outbox holds both texts of SPEC §8 with the names filled in."""
    from models import SmsOutbox

    ledger.initial_review(setting["conversion"], setting["reviewer"], True, "同意")
    committee = client_as(setting["committee"])
    for _ in range(2):  # a second press changes nothing
        committee.post(
            f"/admin/final_review/review/{setting['conversion'].id}",
            data={"opinion": "审核人：学分银行管理中心 周教授", "decision": "agree"},
        )
    learner = client_as(setting["learner"])
    home = learner.get("/me/").get_data(as_text=True)
    assert home.count("容器技术与应用") == 1
    assert "已转换" in learner.get("/me/conversions").get_data(as_text=True)
    texts = [m.body for m in SmsOutbox.select().where(SmsOutbox.phone == setting["learner"].phone)]
    assert any("已经初审通过，进入终审阶段" in t and "云计算平台运维与开发中级工程师" in t for t in texts)
    assert any("已自动添加到您个人学习账户下" in t and "容器技术与应用" in t for t in texts)


def test_the_rules_institution_may_do_the_final_review(setting, client_as):
    """The institution that published the rule takes the final review in its own 转换申请审核
    › 个人申请 (for its own rules only); the committee's 转换终审 list is not its menu."""
    ledger.initial_review(setting["conversion"], setting["reviewer"], True, "同意")
    publisher = setting["conversion"].rule.institution
    own = client_as("institution", institution=publisher)
    stranger = client_as("institution")
    assert own.get("/admin/final_review/").status_code == 403
    assert "陈晓明" in own.get("/admin/inst_conv_review/").get_data(as_text=True)
    assert "陈晓明" not in stranger.get("/admin/inst_conv_review/").get_data(as_text=True)
    conversion = setting["conversion"].id
    stranger.post(f"/admin/inst_conv_review/decide/?ids={conversion}", data={"result": "pass"})
    assert Application.get_by_id(conversion).status == ApplicationStatus.INITIAL_PASSED
    own.post(f"/admin/inst_conv_review/decide/?ids={conversion}", data={"result": "pass"})
    assert Application.get_by_id(conversion).status == ApplicationStatus.PASSED

def test_each_reviewed_tab_lists_what_its_stage_decided(setting, client_as):
    """转换初审 已审核 lists a conversion once its initial review decided it (and keeps it
    after the final review); 转换终审 已审核 only after the final review."""
    conversion = setting["conversion"]
    reviewer, committee = client_as(setting["reviewer"]), client_as(setting["committee"])

    def listed(client, endpoint):
        return "陈晓明" in client.get(f"/admin/{endpoint}/?tab=done").get_data(as_text=True)

    assert not listed(reviewer, "initial_review") and not listed(committee, "final_review")
    ledger.initial_review(conversion, setting["reviewer"], True, "同意")
    assert Application.get_by_id(conversion.id).decided_stage == "initial"
    assert listed(reviewer, "initial_review") and not listed(committee, "final_review")
    ledger.final_review(Application.get_by_id(conversion.id), setting["committee"], True, "同意")
    assert Application.get_by_id(conversion.id).decided_stage == "final"
    assert listed(reviewer, "initial_review") and listed(committee, "final_review")


def test_the_home_counts_pending_work_up_to_the_lists_cap(setting, client_as, monkeypatch):
    from admin import lists

    ledger.submit_recognition(factories.make_achievement(setting["learner"]), setting["learner"])
    client = client_as(setting["reviewer"])
    home = client.get("/admin/").get_data(as_text=True)
    assert 'data-count="recognition_review">2<' in home
    assert "表示待审核的申请超过" not in home
    monkeypatch.setattr(lists, "MAX_ROWS", 1)  # a teaching point with more pending than the lists count
    home = client.get("/admin/").get_data(as_text=True)
    assert 'data-count="recognition_review">1+<' in home
    assert "“1+”表示待审核的申请超过 1 条。" in home


def _cells(page):
    """Each column's cell of the one row a list shows, by the column's name."""
    return {name: re.sub(r"\s+", " ", text).strip()
            for name, text in re.findall(r'<td class="col-([\w.]+)">(.*?)</td>', page, re.S)}


def test_a_review_list_row_shows_every_column(setting, client_as):
    """The lists read only the columns their rows show: each cell has its value, on both tabs."""
    conversion = setting["conversion"]
    held, rule = conversion.achievement, conversion.rule
    listed = {"learner.real_name": "陈晓明", "achievement.name": "云计算平台运维与开发中级工程师",
              "achievement.category": held.category.name, "rule": f"{rule.code} {rule.name}",
              "status": "待审核", "submitted_at": str(conversion.submitted_at)[:19], "decided_at": ""}
    reviewer = client_as(setting["reviewer"])
    assert _cells(reviewer.get("/admin/initial_review/").get_data(as_text=True)) == listed
    ledger.initial_review(conversion, setting["reviewer"], True, "同意")
    decided = ReviewRecord.get(ReviewRecord.application == conversion.id).created_at
    assert _cells(reviewer.get("/admin/initial_review/?tab=done").get_data(as_text=True)) == {
        **listed, "status": "初审通过", "decided_at": str(decided)[:19]}

    target = factories.make_catalogue("course", name="大数据技术基础")
    recognised = factories.make_achievement(setting["learner"], status=AchievementStatus.RECOGNISED)
    performance = ledger.submit_performance(recognised, target, setting["learner"])
    cells = _cells(client_as(setting["committee"]).get("/admin/performance_review/").get_data(as_text=True))
    assert cells == {"learner.real_name": "陈晓明", "achievement.name": recognised.name, "target": "大数据技术基础",
                     "status": "待审核", "submitted_at": str(performance.submitted_at)[:19], "decided_at": ""}
