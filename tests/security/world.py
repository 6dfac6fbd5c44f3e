"""The people and records the access matrix and the bad-number sweep act on: the two
institution spaces (A acts, B is "another owner"), two learners with applications,
and one account of each staff role."""
import datetime as dt
from types import SimpleNamespace

from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Attachment,
    LearnerAchievement,
    Message,
    Permission,
    Role,
    UserPermission,
)
from services.learning_record import sharing, statements
from tests import factories


def private_markers(space):
    """Texts of ``space`` that nobody outside it (and the center) may ever see."""
    return [space.learner.real_name, space.learner.id_number, f"{space.label}反馈：发证日期有误",
            f"{space.label}消息标题", f"{space.label}导入.xlsx", f"{space.label}私人证明.png"]


def build(spaces):
    a, b = spaces.a, spaces.b
    for space, label in ((a, "A"), (b, "B")):
        space.label = label
        target = factories.make_catalogue(institution=space.institution, name=f"{label}目标课程")
        space.rule = factories.make_rule([space.catalogue_achievement], [target], institution=space.institution)
        space.application = Application.create(
            kind=ApplicationKind.CONVERSION, learner=space.learner, achievement=space.stored, rule=space.rule,
            status=ApplicationStatus.PENDING, teaching_point=None,
        )
        space.evidence = Attachment.create(
            owner_type="learner_achievement", owner_id=space.stored.id, purpose="evidence",
            original_name=f"{label}私人证明.png", stored_name=f"{ord(label):032x}.png", size=1,
            mime="image/png", sha256="0" * 64)
        space.learner_message = Message.create(user=space.learner, title=f"{label}消息标题", body="x", link="/me/")
        space.statement = statements.issue(space.learner)
        space.share_link, _token = sharing.create(space.learner, [], 7, everything=True)
    UserPermission.create(user=a.subuser, permission=Permission.LEARNER_ACHIEVEMENTS)
    UserPermission.create(user=a.subuser, permission=Permission.MESSAGES)
    people = {
        "anonymous": None,
        "learner A": a.learner,
        "learner B": b.learner,
        "reviewer": factories.make_user(Role.REVIEWER),
        "committee": factories.make_user(Role.COMMITTEE),
        "center": factories.make_user(Role.CENTER),
        "institution A": a.admin,
        "sub-user A": a.subuser,
        "institution B": b.admin,
    }
    # What each acting account must never see, and whose ids it is given.
    never = {
        "anonymous": private_markers(a) + private_markers(b),
        "learner A": private_markers(b),
        "learner B": private_markers(a),
        "institution A": private_markers(b),
        "sub-user A": private_markers(b),
        "institution B": private_markers(a),
        "reviewer": [], "committee": [], "center": [],
    }
    others = {name: (a if name.endswith(" B") else b) for name in people}
    return SimpleNamespace(people=people, never=never, others=others, a=a, b=b,
                           day=dt.date(2022, 3, 1), LearnerAchievement=LearnerAchievement)
