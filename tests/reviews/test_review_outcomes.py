"""What a reviewer is told and shown after deciding: the flash
says what happened, a re-application shows the earlier attempts, and the 转换初审 已审核
list shows the teaching point's own decision, time and materials."""
import io

import pytest

from models import Application, ApplicationStatus, ReviewRecord, ReviewStage
from services import ledger
from tests.reviews import test_review_views

PNG = test_review_views.PNG
setting = test_review_views.setting  # the same learner, reviewers and applications


def _flash(response):
    text = response.get_data(as_text=True)
    return [part.split("</div>")[0].split("</button>")[-1].strip() for part in text.split('class="alert ')[1:]]


@pytest.mark.parametrize(
    ("decision", "expected", "forbidden"),
    [("agree", "认定成功", "认定不通过"), ("disagree", "认定不通过", "认定成功")],
)
def test_recognition_flash_says_the_decision(setting, client_as, decision, expected, forbidden):
    """Does 认定不通过 tell the reviewer the recognition was refused (not "认定成功")?"""
    client = client_as(setting["reviewer"])
    response = client.post(
        f"/admin/recognition_review/review/{setting['recognition'].id}",
        data={"opinion": "教学点：广州教学点 审核人：李老师 意见：不同意", "decision": decision},
        follow_redirects=True,
    )
    messages = " ".join(_flash(response))
    assert expected in messages and forbidden not in messages


@pytest.mark.parametrize(
    ("stage", "decision", "expected"),
    [("initial", "agree", "初审通过"), ("initial", "disagree", "初审不通过"),
     ("final", "agree", "终审通过"), ("final", "disagree", "终审不通过")],
)
def test_conversion_review_flash_says_the_decision(setting, client_as, stage, decision, expected):
    """转换初审 and 转换终审 tell the reviewer which stage passed or not."""
    who = "reviewer"
    if stage == "final":
        ledger.initial_review(setting["conversion"], setting["reviewer"], True, "同意")
        who = "committee"
    response = client_as(setting[who]).post(
        f"/admin/{stage}_review/review/{setting['conversion'].id}",
        data={"opinion": "意见", "decision": decision},
        follow_redirects=True,
    )
    assert expected in " ".join(_flash(response))


def test_batch_refusal_flash_says_refused(setting, client_as):
    client = client_as(setting["reviewer"])
    response = client.post(
        "/admin/recognition_review/action/",
        data={"action": "disagree", "rowid": [setting["recognition"].id]},
        follow_redirects=True,
    )
    messages = " ".join(_flash(response))
    assert "不通过" in messages and "成功" not in messages
    assert ReviewRecord.get().decision == "disagree"


def test_reapplication_shows_the_earlier_refusal(setting, client_as):
    """A re-application: the review page lists the earlier attempt with its opinion."""
    first = setting["recognition"]
    ledger.decide_recognition(first, setting["reviewer"], False, "教学点：广州教学点 审核人：李老师 意见：不同意，材料不全")
    again = ledger.submit_recognition(first.achievement, setting["learner"])
    page = client_as(setting["reviewer"]).get(f"/admin/recognition_review/review/{again.id}").get_data(as_text=True)
    assert "材料不全" in page
    assert "暂无审核记录" not in page


def test_initial_reviewer_sees_their_own_decision_time_and_materials(setting, client_as):
    """The teaching point approved; the committee refused later. 已审核 shows 初审通过 and
    the 初审 time, and the review page keeps the materials the teaching point uploaded."""
    reviewer = client_as(setting["reviewer"])
    app_id = setting["conversion"].id
    reviewer.post(
        f"/admin/initial_review/review/{app_id}",
        data={"opinion": "意见：同意", "decision": "agree", "files": (io.BytesIO(PNG), "初审扫描件.png")},
        content_type="multipart/form-data",
    )
    initial = ReviewRecord.get(ReviewRecord.application == app_id, ReviewRecord.stage == ReviewStage.INITIAL)
    listing = reviewer.get("/admin/initial_review/?tab=done").get_data(as_text=True)
    row = listing.split("陈晓明")[1]
    assert "初审通过" in row
    assert str(initial.created_at)[:16] in row
    ReviewRecord.update(created_at=initial.created_at.replace(year=2020)).where(ReviewRecord.id == initial.id).execute()
    ledger.final_review(Application.get_by_id(app_id), setting["committee"], False, "审核人：中心 周教授 不同意")
    assert Application.get_by_id(app_id).status == ApplicationStatus.REFUSED
    row = reviewer.get("/admin/initial_review/?tab=done").get_data(as_text=True).split("陈晓明")[1]
    assert "初审通过" in row and "审核不通过" not in row.split("</tr>")[0]
    assert "2020-" in row.split("</tr>")[0]
    page = reviewer.get(f"/admin/initial_review/review/{app_id}").get_data(as_text=True)
    assert "初审扫描件.png" in page



@pytest.mark.parametrize("sort", [4, 5, 6])  # 状态, 提交时间, 审核时间
def test_done_list_sorts_by_every_sortable_column(setting, client_as, sort):
    ledger.initial_review(setting["conversion"], setting["reviewer"], True, "同意")
    page = client_as(setting["reviewer"]).get(f"/admin/initial_review/?tab=done&sort={sort}&desc=1")
    assert page.status_code == 200 and "陈晓明" in page.get_data(as_text=True)


def test_review_list_search_box_names_what_it_searches(setting, client_as):
    page = client_as(setting["reviewer"]).get("/admin/recognition_review/").get_data(as_text=True)
    assert 'placeholder="学员姓名"' in page and 'placeholder="None"' not in page
