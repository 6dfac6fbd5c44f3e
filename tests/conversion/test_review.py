"""转换申请审核 (seed 004 §2.4.1): 个人申请 and 机构发起; 通过 / 不通过 with a reason
(required on 不通过, ≤ 500); nothing ticked = every row matching the filter; each
decision exactly once, with its review record, audit entry and notifications."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from models import (
    AchievementSource,
    Application,
    ApplicationKind,
    ApplicationStatus,
    AuditLog,
    LearnerAchievement,
    Message,
    ReviewRecord,
    ReviewStage,
    SmsOutbox,
    User,
    db,
)
from services import ledger
from tests import factories

# Flask-Admin filter arguments of the application lists (order of application_filters()).
YEAR, CODE, NAME, ID = "flt0_0", "flt1_1", "flt2_2", "flt3_3"


@pytest.fixture
def batch(world):
    return ledger.submit_batch(world.b.institution, world.rule, world.b_holders, world.b.admin)


def batch_apps(batch):
    return list(Application.select().where(Application.batch == batch).order_by(Application.id))


def granted(learner):
    return LearnerAchievement.select().where(LearnerAchievement.learner == learner,
                                             LearnerAchievement.source == AchievementSource.CONVERSION).count()


@pytest.fixture
def personal(world):
    """Two of B's learners applied on their own under A's rule; both passed the initial review."""
    point = factories.make_teaching_point()
    reviewer = factories.make_user("reviewer", institution=point)
    apps = []
    for achievement in world.b_holders[1:3]:
        User.update(teaching_point=point).where(User.id == achievement.learner_id).execute()
        learner = User.get_by_id(achievement.learner_id)
        application = ledger.submit_conversion(LearnerAchievement.get_by_id(achievement.id), world.rule, learner)
        ledger.initial_review(application, reviewer, True, "同意")
        apps.append(application)
    return apps


# --- 机构发起 ---------------------------------------------------------------------------------


def test_batch_list_shows_one_row_per_batch(world, batch, client_as):
    page = client_as(world.a.admin).get("/admin/inst_conv_batches/").get_data(as_text=True)
    assert world.rule.code in page and "B学院" in page and "批量学员转换" in page
    assert "B经济学毕业证书" in page and "A课程：经济学基础" in page
    assert 'data-count>1<' in page  # 机构发起 (1)
    learners = client_as(world.a.admin).get(f"/admin/inst_conv_batches/review/{batch.id}/").get_data(as_text=True)
    for achievement in world.b_holders:
        assert achievement.learner.real_name in learners and achievement.personal_code in learners
        assert achievement.learner.id_number not in learners


def test_batch_pass_some_refuse_one_with_reason(world, batch, client_as):
    client = client_as(world.a.admin)
    apps = batch_apps(batch)
    url = f"/admin/inst_conv_batches/review/{batch.id}/decide/"
    confirm = client.get(url + f"?ids={apps[0].id},{apps[1].id}").get_data(as_text=True)
    assert 'data-chosen="2"' in confirm
    # The page lists whom it is about to decide: the two ticked learners only, IDs masked.
    preview = confirm.split("data-preview>")[1].split("</table>")[0]
    cells = [f"<td>{a.learner.real_name}</td>" for a in apps]
    assert cells[0] in preview and cells[1] in preview and cells[2] not in preview
    assert apps[0].learner.id_number not in preview
    client.post(url + f"?ids={apps[0].id},{apps[1].id}", data={"result": "pass"})
    client.post(url + f"?ids={apps[2].id}", data={"result": "fail", "reason": "颁证日期有误"})
    statuses = [Application.get_by_id(a.id).status for a in apps]
    assert statuses == [ApplicationStatus.PASSED, ApplicationStatus.PASSED, ApplicationStatus.REFUSED,
                        ApplicationStatus.PENDING]
    assert [granted(a.learner_id) for a in apps] == [1, 1, 0, 0]
    refusal = ReviewRecord.get(ReviewRecord.application == apps[2].id)
    assert (refusal.stage, refusal.decision, refusal.opinion, refusal.reviewer_id) == (
        ReviewStage.BATCH, "disagree", "颁证日期有误", world.a.admin.id)
    assert AuditLog.select().where(AuditLog.action == "review_batch").count() == 3
    refused = apps[2].learner
    assert SmsOutbox.select().where(SmsOutbox.phone == refused.phone, SmsOutbox.body.contains("颁证日期有误")).exists()
    passed = apps[0].learner
    assert SmsOutbox.select().where(SmsOutbox.phone == passed.phone, SmsOutbox.body.contains("已自动添加")).exists()
    assert Message.select().where(Message.user == passed, Message.title == "转换审核通过").exists()
    # The initiating institution is told once per decision, with a link to its 转换记录 › 机构发起.
    told = list(Message.select().where(Message.user == world.b.admin, Message.link == "/admin/inst_records_out/"))
    assert len(told) == 2 and "通过" in told[0].body and "不通过" in told[1].body
    done = client.get(f"/admin/inst_conv_batches/review/{batch.id}/?tab=done").get_data(as_text=True)
    assert "审核通过" in done and "审核不通过" in done


def test_none_ticked_decides_all_matching_the_filter(world, batch, client_as):
    client = client_as(world.a.admin)
    url = f"/admin/inst_conv_batches/review/{batch.id}/decide/?name=B学员0"
    assert 'data-chosen="3"' in client.get(url).get_data(as_text=True)
    assert "根据列表中的查询条件，共选择申请3条" in client.get(url).get_data(as_text=True)
    client.post(url, data={"result": "pass"})
    by_name = {a.learner.real_name: a.status for a in batch_apps(batch)}
    assert by_name == {"B学员": "pending", "B学员01": "passed", "B学员02": "passed", "B学员03": "passed"}


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_refusal_needs_a_reason_of_at_most_500(world, batch, client_as, reason):
    client = client_as(world.a.admin)
    response = client.post(f"/admin/inst_conv_batches/review/{batch.id}/decide/", data={"result": "fail", "reason": reason})
    assert response.status_code == 200  # the form again, with its message
    assert "is-invalid" in response.get_data(as_text=True)
    assert all(a.status == ApplicationStatus.PENDING for a in batch_apps(batch))
    assert ReviewRecord.select().count() == 0
    with pytest.raises(ledger.Refused):
        ledger.review_batch(batch, world.a.admin, False, reason)
    client.post(f"/admin/inst_conv_batches/review/{batch.id}/decide/", data={"result": "fail", "reason": "x" * 500})
    assert all(a.status == ApplicationStatus.REFUSED for a in batch_apps(batch))


def test_targets_are_granted_once(world, batch):
    apps = batch_apps(batch)
    ledger.review_batch(batch, world.a.admin, True, "", [apps[0].id])
    with pytest.raises(ledger.Refused):
        ledger.review_batch(batch, world.a.admin, True, "", [apps[0].id])
    with pytest.raises(ledger.Refused):
        ledger.review_batch(batch, world.a.admin, False, "改判", [apps[0].id])
    assert granted(apps[0].learner_id) == 1
    assert Application.get_by_id(apps[0].id).status == ApplicationStatus.PASSED
    assert ReviewRecord.select().where(ReviewRecord.application == apps[0].id).count() == 1


@pytest.mark.parametrize("agree", [True, False])
def test_two_reviewers_at_once_on_a_batch_decide_once(app, world, batch, agree):
    """Two users of A press 提交 on the same batch row at the same moment: one decision."""
    second = factories.make_user("institution", institution=world.a.institution)
    start = threading.Barrier(2)

    def decide(user_id):
        with app.app_context(), db.connection_context():
            start.wait()
            try:
                return ledger.review_batch(batch, User.get_by_id(user_id), agree, "材料不全")
            except ledger.Refused as error:
                return str(error)

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(decide, [world.a.admin.id, second.id]))
    assert sorted(outcomes, key=str) == sorted([4, "该申请已被他人审核"], key=str), outcomes
    assert ReviewRecord.select().count() == 4
    expected = ApplicationStatus.PASSED if agree else ApplicationStatus.REFUSED
    assert all(a.status == expected for a in batch_apps(batch))
    for application in batch_apps(batch):
        assert granted(application.learner_id) == (1 if agree else 0)
        assert Message.select().where(Message.user == application.learner_id).count() == 1
    assert Message.select().where(Message.user == world.b.admin, Message.link == "/admin/inst_records_out/").count() == 1


# --- 个人申请 ---------------------------------------------------------------------------------


def test_personal_applications_past_the_initial_review(world, personal, client_as):
    page = client_as(world.a.admin).get("/admin/inst_conv_review/").get_data(as_text=True)
    assert "B学员01" in page and "B学员02" in page
    assert "B学员03" not in page
    assert 'data-count>2<' in page
    # The committee's 转换终审 is no longer an institution menu.
    assert client_as(world.a.admin).get("/admin/final_review/").status_code == 403


def test_personal_none_ticked_decides_all_matching(world, personal, client_as):
    client = client_as(world.a.admin)
    url = f"/admin/inst_conv_review/decide/?{NAME}=B学员01"
    assert 'data-chosen="1"' in client.get(url).get_data(as_text=True)
    client.post(url, data={"result": "pass"})
    assert [Application.get_by_id(a.id).status for a in personal] == [ApplicationStatus.PASSED,
                                                                        ApplicationStatus.INITIAL_PASSED]
    assert granted(personal[0].learner_id) == 1
    record = ReviewRecord.get(ReviewRecord.application == personal[0].id, ReviewRecord.stage == ReviewStage.FINAL)
    assert record.reviewer_id == world.a.admin.id


def test_personal_refusal_needs_reason(world, personal, client_as):
    client = client_as(world.a.admin)
    ids = f"?ids={personal[1].id}"
    for reason in ("", "y" * 501):
        response = client.post("/admin/inst_conv_review/decide/" + ids, data={"result": "fail", "reason": reason})
        assert "is-invalid" in response.get_data(as_text=True)
    assert Application.get_by_id(personal[1].id).status == ApplicationStatus.INITIAL_PASSED
    client.post("/admin/inst_conv_review/decide/" + ids, data={"result": "fail", "reason": "学时不足"})
    assert Application.get_by_id(personal[1].id).status == ApplicationStatus.REFUSED
    assert Application.get_by_id(personal[0].id).status == ApplicationStatus.INITIAL_PASSED
    assert SmsOutbox.select().where(SmsOutbox.body.contains("学时不足")).count() == 1


def test_personal_export_is_sms_verified(world, personal, client_as):
    from tests.institution.test_access import exported_cells, fresh_export_code

    client = client_as(world.a.admin)
    assert factories.export(client, "/admin/inst_conv_review/export/", {"code": "000000"}).status_code == 400
    response = factories.export(client, "/admin/inst_conv_review/export/", {"code": fresh_export_code(world.a.admin)})
    cells = exported_cells(response)
    assert "B学员01" in cells and "A课程：经济学基础" in cells and world.rule.code in cells
    assert AuditLog.select().where(AuditLog.action == "export").count() == 1
    batches = factories.export(client, "/admin/inst_conv_batches/export/", {"code": fresh_export_code(world.a.admin)})
    assert exported_cells(batches)[:3] == ["规则编码", "批次编号", "转换发起者"]


def test_batch_kind_is_the_batch_one(world, batch):
    assert {a.kind for a in batch_apps(batch)} == {ApplicationKind.BATCH}


def test_the_decision_is_chosen_not_defaulted(world, batch, client_as):
    """审核 offers 通过 / 不通过 with neither ticked; submitting without a choice decides nothing."""
    client = client_as(world.a.admin)
    apps = batch_apps(batch)
    url = f"/admin/inst_conv_batches/review/{batch.id}/decide/?ids={apps[0].id}"
    page = client.get(url).get_data(as_text=True)
    radios = [tag for tag in page.split("<input") if 'name="result"' in tag]
    assert len(radios) == 2 and not any("checked" in tag.split(">")[0] for tag in radios)
    client.post(url, data={})
    assert Application.get_by_id(apps[0].id).status == ApplicationStatus.PENDING
