"""The institution space and review pages say the same thing everywhere: 去处理 only on
unresolved feedback, the 撤回 page states 成果状态
as the list does, 学员成果 is searched by what its columns show, review pages call the
record the learner's (not 我的成果), inbox messages start without the SMS signature, and
long names wrap in the 转换办法 table."""
import re

from flask import g

from models import (
    Feedback,
    FeedbackStatus,
    Institution,
    LearnerAchievement,
    Message,
    User,
)
from services.messaging import notify
from services.seed import demo


def logged_in(app, username, identity="institution"):
    client = app.test_client()
    g.__dict__.clear()
    client.post("/login", data={"identity": identity, "identifier": username, "password": demo.DEMO_PASSWORD})
    return client


def test_go_to_handle_only_on_unresolved_feedback(app):
    demo.seed_demo()
    college = Institution.get(Institution.name == "广东理工职业学院")
    items = list(Feedback.select().where(Feedback.institution == college.id))
    assert items, "the demo has feedback for the institution"
    resolved = items[0]
    Feedback.update(status=FeedbackStatus.RESOLVED).where(Feedback.id == resolved.id).execute()
    page = logged_in(app, "institution").get("/admin/inst_feedback/?page_size=100").get_data(as_text=True)
    handles = set(re.findall(r"/admin/inst_feedback/handle/\?id=(\d+)", page))
    assert str(resolved.id) not in handles
    open_ones = {str(f.id) for f in Feedback.select().where(Feedback.institution == college.id,
                                                             Feedback.status == FeedbackStatus.OPEN)}
    assert open_ones and open_ones <= handles


def test_the_learner_achievements_list_is_searched_by_learner_name_and_id(app):
    demo.seed_demo()
    college = Institution.get(Institution.name == "广东理工职业学院")
    row = (LearnerAchievement.select(LearnerAchievement, User).join(User, on=(LearnerAchievement.learner == User.id))
           .where(LearnerAchievement.stored_by == college.id).first())
    client = logged_in(app, "institution")
    # 成果名称 and the learner's name are asked as one union of ids: either finds the row,
    # and the union never brings in another institution's achievements.
    for term in (row.learner.real_name, row.learner.id_number, row.name[:2]):
        page = client.get("/admin/inst_learner_achievements/", query_string={"search": term}).get_data(as_text=True)
        assert f'value="{row.id}"' in page, term
        assert 'placeholder="成果名称 / 学员姓名 / 身份证号"' in page
        shown = {int(found) for found in re.findall(r'name="rowid"[^>]*value="(\d+)"', page)}
        assert shown and not (LearnerAchievement.select().where(LearnerAchievement.id.in_(shown),
                                                                LearnerAchievement.stored_by != college.id).exists())


def test_the_withdraw_page_states_the_lists_achievement_status(app):
    demo.seed_demo()
    college = Institution.get(Institution.name == "广东理工职业学院")
    row = LearnerAchievement.get(LearnerAchievement.stored_by == college.id, LearnerAchievement.status != "withdrawn")
    page = logged_in(app, "institution").get(f"/admin/inst_learner_achievements/withdraw/?ids={row.id}").get_data(as_text=True)
    state = re.search(r"data-stored-state>([^<]*)<", page).group(1)
    assert state in ("机构存储", "学分银行存储") and "名录成果" not in page


def test_review_pages_call_the_record_the_learners(app):
    demo.seed_demo()
    client = logged_in(app, "reviewer", identity="person")
    listing = client.get("/admin/recognition_review/").get_data(as_text=True)
    review = re.search(r'href="(/admin/recognition_review/review/[^"]+)"', listing).group(1)
    page = client.get(review.replace("&amp;", "&")).get_data(as_text=True)
    assert "学员成果" in page and "我的成果" not in page


def test_an_inbox_message_starts_without_the_sms_signature(app):
    demo.seed_demo()
    learner = User.get(User.username == "learner")
    with app.test_request_context("/"):
        notify.notify(learner, "审核通过", "【学分银行】您申请的成果已认定。", by_sms=False)
    assert Message.select().order_by(Message.id.desc()).first().body == "您申请的成果已认定。"
    assert notify.inbox_text("[Credit Bank] Done") == "Done"


def test_long_method_names_wrap(app):
    html = app.test_client().get("/methods").get_data(as_text=True)
    assert re.search(r'<table class="[^"]*cb-wrap', html)
    css = app.test_client().get("/static/app.css").get_data(as_text=True)
    assert ".cb-wrap td { overflow-wrap: anywhere; }" in css


def test_a_sub_user_home_shows_no_empty_headings(app, client_as):
    """A sub-user sees the headings of its own menus only; with none, a line saying whom to ask."""
    from models import Role, UserPermission
    from tests import factories

    college = factories.make_institution(name="测试学院")
    bare = factories.make_user(Role.SUBUSER, institution=college, username="bare01")
    page = client_as(bare).get("/admin/").get_data(as_text=True)
    assert "服务入口" not in page and "账户概况" not in page and "data-no-entries" in page
    helper = factories.make_user(Role.SUBUSER, institution=college, username="helper01")
    UserPermission.create(user=helper, permission="learner_achievements")
    page = client_as(helper).get("/admin/").get_data(as_text=True)
    assert "服务入口" in page and "查看学员成果" in page and "data-no-entries" not in page
