"""Notifications speak the recipient's language and fit an SMS."""
from flask_babel import lazy_gettext as _l

from models import Message, SmsOutbox, User
from services.notify import notify
from tests import factories

REFUSED = "[Credit Bank] Your application for %(achievement)s did not pass %(stage)s. Opinion: %(opinion)s"


def send_refusal(learner, opinion="材料不全"):
    notify(learner, _l("Review not passed"), _l(REFUSED, achievement="社区服务", stage="认定审核", opinion=opinion),
           by_sms=True)


def test_a_reviewer_browsing_in_english_notifies_a_learner_in_chinese(app):
    learner = factories.make_learner()
    with app.test_request_context("/admin/?lang=en"):
        from flask_babel import get_locale

        assert str(get_locale()) == "en"  # the reviewer's own pages are English…
        send_refusal(learner)
    message = Message.get()
    # The inbox copy starts after the SMS signature; the SMS keeps it.
    assert message.title == "审核不通过" and message.body == "您的 社区服务 申请未通过认定审核，审核意见：材料不全"
    assert SmsOutbox.get().body.startswith("【学分银行】您的 社区服务")
    assert "Credit Bank" not in message.body and "Credit Bank" not in SmsOutbox.get().body  # …the learner's are not


def test_a_learner_who_chose_english_is_written_to_in_english(app, client_as):
    learner = factories.make_learner()
    client = client_as(learner)
    client.get("/me/?lang=en")
    assert User.get_by_id(learner.id).locale == "en"
    with app.test_request_context("/"):
        send_refusal(User.get_by_id(learner.id))
    assert Message.get().body.startswith("Your application for")  # the inbox copy without the SMS signature


def test_a_long_opinion_is_cut_in_the_sms_and_whole_in_the_inbox(app):
    learner = factories.make_learner()
    opinion = "意" * 500
    with app.test_request_context("/"):
        send_refusal(learner, opinion)
    assert opinion in Message.get().body
    sms = SmsOutbox.get().body
    assert len(sms) == app.config["SMS_MAX_CHARS"] and sms.endswith("（全文见站内收件箱）")
