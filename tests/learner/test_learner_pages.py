"""Learner pages: pagers, 我的信息 counts, 认定记录, conversion status after a
refusal, the paper-originals reminder, searches (成果选择, 转换成果申请)."""
import re

import pytest

from models import AchievementStatus, Application, ApplicationKind, ApplicationStatus, Institution, InstitutionKind
from services.seed import demo
from tests import factories
from tests.learner.helpers import learner_with_point
from tests.queries import count_queries

pytestmark = pytest.mark.usefixtures("reference")


@pytest.fixture
def learner_client(client_as):
    return client_as(learner_with_point())


def test_performance_apply_pages_through_the_catalogue(learner_client):
    """Item 1: more than one page of targets answered 500 (BuildError in the pager)."""
    row = factories.make_achievement(learner_client.user, status=AchievementStatus.RECOGNISED)
    for n in range(12):
        factories.make_catalogue(name=f"目标成果{n:02d}", project_name="目标项目")
    first = learner_client.get(f"/me/performance/{row.id}/apply")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert f'href="/me/performance/{row.id}/apply?page=2"' in html
    second = learner_client.get(f"/me/performance/{row.id}/apply?page=2&name=目标").get_data(as_text=True)
    assert "2 / 2" in second and "目标成果00" in second and "目标成果11" not in second


def test_every_learner_pager_keeps_its_path(learner_client):
    """Item 1, the rest: every paged learner list builds its links (21+ rows each)."""
    user = learner_client.user
    for n in range(21):
        factories.make_achievement(user, name=f"业绩{n:02d}")
        factories.make_achievement(user, factories.make_catalogue(), name=f"名录{n:02d}")
        factories.make_achievement(user, name=f"已认定{n:02d}", status=AchievementStatus.RECOGNISED)
    from services.messaging.notify import notify
    for n in range(21):
        notify(user, f"消息{n}", "正文")
    informal = factories.make_achievement(user, name="业绩申请", status=AchievementStatus.RECOGNISED)
    for n in range(21):
        Application.create(kind=ApplicationKind.PERFORMANCE, learner=user, achievement=informal,
                           target=factories.make_catalogue(name=f"目标{n:02d}"))
    for url in ("/me/", "/me/recognition", "/me/conversions", "/me/performance", "/me/inbox"):
        response = learner_client.get(url)
        assert response.status_code == 200, url
        assert "page=2" in response.get_data(as_text=True), url
        assert learner_client.get(url + "?page=2").status_code == 200, url
    # 业绩类成果转换申请 pages its applications too, apart from its achievements.
    html = learner_client.get("/me/performance").get_data(as_text=True)
    assert 'href="/me/performance?apage=2"' in html and html.count("<tr data-application=") == 20
    html = learner_client.get("/me/performance?apage=2").get_data(as_text=True)
    assert html.count("<tr data-application=") == 1 and "目标00" in html


def test_my_information_counts_add_up(learner_client):
    """Item 8: each achievement in exactly one bucket by its current state; total = sum."""
    user = learner_client.user
    factories.make_achievement(user, status=AchievementStatus.NOT_APPLIED)
    under_review = factories.make_achievement(user, status=AchievementStatus.UNDER_REVIEW)
    Application.create(kind=ApplicationKind.RECOGNITION, learner=user, achievement=under_review)
    # Refused once, re-applied and recognised: it is 已认定 now, not also 已申请.
    recognised = factories.make_achievement(user, status=AchievementStatus.RECOGNISED)
    Application.create(kind=ApplicationKind.RECOGNITION, learner=user, achievement=recognised,
                       status=ApplicationStatus.REFUSED)
    Application.create(kind=ApplicationKind.RECOGNITION, learner=user, achievement=recognised,
                       status=ApplicationStatus.PASSED)
    refused = factories.make_achievement(user, status=AchievementStatus.REFUSED)
    Application.create(kind=ApplicationKind.RECOGNITION, learner=user, achievement=refused,
                       status=ApplicationStatus.REFUSED)
    factories.make_achievement(user, factories.make_catalogue())  # 名录成果 counts as 已认定 (manual 002)
    factories.make_achievement(user, factories.make_catalogue(), status=AchievementStatus.WITHDRAWN)
    html = learner_client.get("/me/").get_data(as_text=True)
    counts = {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', html)}
    assert counts["total"] == 6
    assert counts["not_applied"] == 1 and counts["applied"] == 1 and counts["recognised"] == 2
    assert counts["refused"] == 1 and counts["withdrawn"] == 1
    assert counts["total"] == sum(v for k, v in counts.items() if k != "total")


def test_my_information_shows_the_teaching_point_read_with_the_session(learner_client, client_as):
    """Its name comes with the session row every request reads: 我的信息 asks for it no
    more, and shows it renamed at once (the row is read afresh on each request)."""
    point = learner_client.user.teaching_point
    learner_client.get("/me/")
    with count_queries() as counted:
        page = learner_client.get("/me/").get_data(as_text=True)
    assert point.name in page
    Institution.update(name="新命名的教学点").where(Institution.id == point.id).execute()
    with count_queries() as again:
        assert "新命名的教学点" in learner_client.get("/me/").get_data(as_text=True)
    assert again["n"] == counted["n"]
    without = client_as("learner")  # no teaching point: the field is empty
    assert without.user.teaching_point_id is None
    assert re.search(r"教学点</dt><dd class=\"col-sm-9\"></dd>", without.get("/me/").get_data(as_text=True))


def test_recognition_records_list_the_pending_attempt(learner_client):
    """Item 5 (learner half): 认定记录 while 认定中 shows the attempt, then every earlier one."""
    user = learner_client.user
    row = factories.make_achievement(user, status=AchievementStatus.REFUSED)
    earlier = Application.create(kind=ApplicationKind.RECOGNITION, learner=user, achievement=row,
                                 status=ApplicationStatus.REFUSED)
    from models import Decision, ReviewRecord, ReviewStage
    ReviewRecord.create(application=earlier, stage=ReviewStage.RECOGNITION, decision=Decision.DISAGREE,
                        opinion="意见：不同意，材料不全")
    learner_client.post(f"/me/recognition/{row.id}/submit")
    html = learner_client.get(f"/me/recognition/{row.id}/records").get_data(as_text=True)
    attempts = re.findall(r'<tr data-attempt="(\d+)"', html)
    assert len(attempts) == 2  # the pending attempt first, then the refused one
    pending = html.split(f'data-attempt="{attempts[0]}"')[1].split("</tr>")[0]
    assert "认定中" in pending and "等待教学点审核" in pending
    assert "材料不全" in html and "暂无审核记录" not in html


def test_refused_conversion_shows_review_not_passed_with_apply_again(learner_client):
    """Item 9: after a refused conversion the list says 审核不通过 and offers 申请转换 again."""
    source = factories.make_catalogue()
    target = factories.make_catalogue(category_code="course")
    rule = factories.make_rule([source], [target])
    row = factories.make_achievement(learner_client.user, source)
    Application.create(kind=ApplicationKind.CONVERSION, learner=learner_client.user, achievement=row, rule=rule,
                       status=ApplicationStatus.REFUSED)
    html = learner_client.get("/me/conversions").get_data(as_text=True)
    status = html.split(f'data-achievement="{row.id}"')[1].split("data-status>")[1].split("</td>")[0]
    assert "审核不通过" in status and "未申请" not in status
    assert f'href="/me/conversions/{row.id}/apply"' in status  # the way to apply again


def test_paper_originals_reminder_after_performance_submit(learner_client):
    """Item 14: manual 000 step 5 — bring the paper originals to the teaching point."""
    row = factories.make_achievement(learner_client.user, status=AchievementStatus.RECOGNISED)
    target = factories.make_catalogue()
    response = learner_client.post(f"/me/performance/{row.id}/apply", data={"target_id": target.id},
                                   follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "提交成功" in html and "纸质原件" in html and "教学点" in html
    assert Application.get(Application.achievement == row).kind == ApplicationKind.PERFORMANCE


def test_certificate_button_opens_a_new_tab(learner_client):
    """Item 14: 打印转换证明 opens in a new tab (the list's button and the records' link)."""
    html = learner_client.get("/me/conversions").get_data(as_text=True)
    button = re.search(r'<button[^>]*value="certificate"[^>]*>', html).group(0)
    assert 'formtarget="_blank"' in button


def test_picker_finds_the_issuing_body_in_catalogue_fields(learner_client):
    """Item 13: 资历机构名称 "教育部考试中心" lives in 职业技能鉴定机构名称, not the institution row."""
    demo.seed_demo()
    qualification = factories.category("qualification")
    found = learner_client.get(f"/me/catalogue?category={qualification.id}&institution=教育部考试中心").get_json()
    names = {item["name"] for item in found["items"]}
    assert "全国计算机等级考试一级证书" in names and "大学英语等级考试(CET)四级及以上证书" in names
    assert found["total"] == len(names) == 3
    assert all(item["issuer"] == "教育部考试中心" for item in found["items"])  # the column shows the body
    # Still found by the institution row's own name, and a body in no field finds nothing.
    assert learner_client.get("/me/catalogue?institution=教育部教育考试院").get_json()["total"] >= 3
    assert learner_client.get("/me/catalogue?institution=不存在的机构").get_json()["total"] == 0
    training = learner_client.get("/me/catalogue?institution=学堂在线").get_json()
    assert [item["name"] for item in training["items"]] == ["学堂在线平台云计算与软件工程课程"]


def test_picker_button_says_confirm(learner_client):
    """Item 13: the picker's button is 确认 (manual), not 确定."""
    html = learner_client.get(f"/me/achievements/new?category={factories.category('qualification').id}")
    html = html.get_data(as_text=True)
    assert re.search(r'id="pick-confirm">确认<', html)


def test_conversion_list_has_the_manuals_search_box(learner_client):
    """Item 13: 转换成果申请 — 成果名称, 成果类型, 来源机构 → 查询 (manual 002)."""
    user = learner_client.user
    exam = factories.make_institution(InstitutionKind.EXAM, name="教育部教育考试院")
    computer = factories.make_achievement(user, factories.make_catalogue(name="全国计算机等级考试一级证书",
                                                                         institution=exam))
    cloud = factories.make_achievement(user, factories.make_catalogue(
        "training", name="云计算平台运维与开发中级工程师",
        institution=factories.make_institution(name="成果试点机构")))
    html = learner_client.get("/me/conversions").get_data(as_text=True)
    assert 'name="q"' in html and 'name="category"' in html and 'name="institution"' in html
    page = learner_client.get("/me/conversions?q=计算机").get_data(as_text=True)
    assert f'data-achievement="{computer.id}"' in page and f'data-achievement="{cloud.id}"' not in page
    page = learner_client.get(f"/me/conversions?category={factories.category('training').id}").get_data(as_text=True)
    assert f'data-achievement="{cloud.id}"' in page and f'data-achievement="{computer.id}"' not in page
    page = learner_client.get("/me/conversions?institution=试点").get_data(as_text=True)
    assert f'data-achievement="{cloud.id}"' in page and f'data-achievement="{computer.id}"' not in page
    assert Institution.select().count() >= 2
