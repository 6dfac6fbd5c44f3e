"""我的消息 (seed 004 §2.5): each message's 处理 opens the module it concerns."""
import datetime as dt

from migrations import v04_feedback_message_links
from models import AchievementSource, ConversionBatch, Message, Role
from services import ledger
from tests import factories


def latest(user):
    return Message.select().where(Message.user == user).order_by(Message.id.desc()).first()


def opened(client, message):
    response = client.get(f"/admin/inst_messages/open/?id={message.id}")
    assert response.status_code == 302
    return response.headers["Location"]


def test_feedback_message_opens_the_feedback_to_handle(world, client_as):
    learner = factories.make_learner(real_name="反馈学员")
    stored = factories.make_achievement(learner, world.a.catalogue_achievement, source=AchievementSource.INSTITUTION,
                                        stored_by=world.a.institution, obtained_on=dt.date(2022, 1, 1))
    client_as(learner).post(f"/me/achievements/{stored.id}/feedback", data={"content": "发证日期有误"})
    message = latest(world.a.admin)
    admin = client_as(world.a.admin)
    target = opened(admin, message)
    assert "/admin/inst_feedback/handle/?id=" in target
    assert "发证日期有误" in admin.get(target).get_data(as_text=True)


def test_batch_messages_open_review_and_records(world, client_as):
    client_as(world.b.admin).post(f"/admin/inst_batch/apply/{world.rule.id}/", data={})
    batch = ConversionBatch.get()
    a_client = client_as(world.a.admin)
    to_review = opened(a_client, latest(world.a.admin))
    assert to_review.endswith(f"/admin/inst_conv_batches/review/{batch.id}/")
    assert "B学员01" in a_client.get(to_review).get_data(as_text=True)
    a_client.post(f"/admin/inst_conv_batches/review/{batch.id}/decide/", data={"result": "pass"})
    b_client = client_as(world.b.admin)
    result = opened(b_client, latest(world.b.admin))
    assert result.endswith("/admin/inst_records_out/")
    assert "审核通过" in b_client.get(result).get_data(as_text=True)


def test_sub_users_with_the_menu_are_told_too(world, sub):
    from models import Permission

    reviewer = sub("a", Permission.REVIEWS)
    bystander = sub("a", Permission.MESSAGES)
    ledger.submit_batch(world.b.institution, world.rule, world.b_holders, world.b.admin)
    assert latest(reviewer).link.startswith("/admin/inst_conv_batches/review/")
    assert latest(bystander) is None


def test_migration_points_old_feedback_messages_at_feedback(world):
    """Version 4: messages institution accounts got with /admin/ (feedback) open 问题反馈."""
    learner_message = Message.create(user=world.a.learner, title="x", body="x", link="/admin/")
    v04_feedback_message_links.upgrade(None)
    assert Message.get_by_id(world.a.message.id).link == "/admin/inst_feedback/"
    assert Message.get_by_id(learner_message.id).link == "/admin/"
    assert world.a.admin.role == Role.INSTITUTION
