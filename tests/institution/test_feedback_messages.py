"""问题反馈管理 (reply + 已解决/驳回, the learner reads it in the inbox) and 我的消息."""
import datetime as dt

from models import Feedback, FeedbackStatus, Message


def test_handling_feedback_replies_to_the_learner(spaces, client_as):
    a = spaces.a
    client = client_as(a.admin)
    response = client.post(f"/admin/inst_feedback/handle/?id={a.feedback.id}",
                           data={"reply": "已更正发证日期", "result": FeedbackStatus.RESOLVED})
    assert response.status_code == 302
    handled = Feedback.get_by_id(a.feedback.id)
    assert handled.status == FeedbackStatus.RESOLVED and handled.reply == "已更正发证日期"
    assert handled.handled_by_id == a.admin.id and handled.handled_at
    inbox = Message.select().where(Message.user == a.learner).get()
    assert "已更正发证日期" in inbox.body and "已解决" in inbox.body
    # Handled once: a second reply changes nothing.
    client.post(f"/admin/inst_feedback/handle/?id={a.feedback.id}", data={"reply": "再次", "result": "rejected"})
    assert Feedback.get_by_id(a.feedback.id).reply == "已更正发证日期"


def test_handling_needs_a_reply(spaces, client_as):
    a = spaces.a
    page = client_as(a.admin).post(f"/admin/inst_feedback/handle/?id={a.feedback.id}",
                                   data={"reply": "", "result": FeedbackStatus.REJECTED})
    assert page.status_code == 200 and "invalid-feedback" in page.get_data(as_text=True)
    assert Feedback.get_by_id(a.feedback.id).status == FeedbackStatus.OPEN


def test_feedback_filters_by_time_and_status(spaces, client_as):
    a = spaces.a
    Feedback.create(learner=a.learner, achievement=a.stored, institution=a.institution, content="很早的反馈",
                          status=FeedbackStatus.REJECTED, created_at=dt.datetime(2021, 5, 1, 9, 0))
    client = client_as(a.admin)
    listing = client.get("/admin/inst_feedback/").get_data(as_text=True)
    assert "很早的反馈" in listing and a.feedback.content in listing
    today = dt.date.today().isoformat()
    # flt0 反馈开始时间, flt1 反馈结束时间, flt2 解决状态 (filter indexes follow column_filters)
    recent = client.get(f"/admin/inst_feedback/?flt0_0={today}").get_data(as_text=True)
    assert a.feedback.content in recent and "很早的反馈" not in recent
    early = client.get("/admin/inst_feedback/?flt0_0=2021-05-01&flt1_1=2021-05-01").get_data(as_text=True)
    assert "很早的反馈" in early and a.feedback.content not in early
    rejected = client.get(f"/admin/inst_feedback/?flt0_2={FeedbackStatus.REJECTED}").get_data(as_text=True)
    assert "很早的反馈" in rejected and a.feedback.content not in rejected


def test_inbox_badge_and_handle_link(spaces, client_as):
    a = spaces.a
    unsafe = Message.create(user=a.admin, title="外部链接", body="x", link="https://evil.example/")
    client = client_as(a.admin)
    page = client.get("/admin/inst_messages/").get_data(as_text=True)
    assert 'data-unread="2"' in page and a.message.title in page
    opened = client.get(f"/admin/inst_messages/open/?id={a.message.id}")
    assert opened.headers["Location"].endswith("/admin/")
    assert Message.get_by_id(a.message.id).read_at is not None
    assert client.get(f"/admin/inst_messages/open/?id={unsafe.id}").headers["Location"].endswith("/admin/inst_messages/")
    assert 'data-unread="0"' in client.get("/admin/inst_messages/").get_data(as_text=True)
