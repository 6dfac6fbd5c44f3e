"""问题反馈 (seed 004 §2.2): the one writer of ``Feedback``. A learner reports a problem about
an achievement an institution stored (its accounts are told); the institution replies and
marks it 已解决 or 驳回 once (the learner is told)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from models import Feedback, FeedbackStatus, LearnerAchievement, User, now
from services.accounts import permissions
from services.core import audit, transitions
from services.core.database import transaction
from services.files import storage
from services.messaging.notify import link_to, notify
from services.records.checks import REQUIRED
from services.records.errors import Refusal, Refused, reason_of, require

MAX_CONTENT = 1000
CONTENT = _l("Problem description")
CONTENT_TOO_LONG = _l("may have at most %(count)s characters", count=MAX_CONTENT)
HANDLED = _l("This feedback has already been handled.")
OUTCOMES = (FeedbackStatus.RESOLVED, FeedbackStatus.REJECTED)


def submit(learner: User, achievement: LearnerAchievement, content: str | None,
           files: Iterable[FileStorage] = ()) -> Feedback:
    """问题反馈 on one of the learner's achievements that an institution stored."""
    require(achievement.learner_id == learner.id and achievement.stored_by_id,
            _l("Feedback is only for achievements an institution stored for you"))
    content = (content or "").strip()
    if not content:
        raise Refused(Refusal(REQUIRED, "content", CONTENT, code="required"))
    if len(content) > MAX_CONTENT:
        raise Refused(Refusal(CONTENT_TOO_LONG, "content", CONTENT))
    with transaction():
        feedback = Feedback.create(learner=learner, achievement=achievement, institution=achievement.stored_by_id,
                                   content=content)
        for file in files:
            storage.save_upload(file, "feedback", feedback.id, user=learner)
        audit.record("feedback_added", feedback, user=learner, achievement=achievement.id)
        for account in permissions.institution_accounts(cast(int, achievement.stored_by_id)):  # required above
            notify(account, _l("New problem feedback"),
                   _l("%(learner)s reported a problem about %(name)s.", learner=learner.real_name,
                      name=achievement.name),
                   link=link_to("inst_feedback.handle_view", id=feedback.id))
    return feedback


def handle(feedback: Feedback, user: User, outcome: str, reply: str | None) -> Feedback:
    """去处理: reply and mark 已解决 or 驳回, once; the learner reads the reply in the inbox."""
    require(outcome in OUTCOMES, _l("Please choose the handling result"))
    require(permissions.acts_for(user, feedback.institution_id), _l("You may not handle this feedback"))
    reply = reason_of(reply, _l("Please enter the reply"))
    with transaction():
        transitions.move(feedback, outcome, expected=(FeedbackStatus.OPEN,),
                         changes={"reply": reply, "handled_by": user.id, "handled_at": now()},
                         refusal=HANDLED, error=Refused, audit="feedback_handled", user=user, result=outcome)
        notify(feedback.learner, _l("Reply to your feedback"),
               _l("Your feedback on %(name)s was handled (%(result)s): %(reply)s",
                  name=feedback.achievement.name, result=FeedbackStatus.label(outcome), reply=reply),
               link=link_to("learner.home"))
    return feedback
