"""What the ledger's modules share: the states that matter, the refusal helper, the texts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models import AchievementStatus, Application, ApplicationKind, ApplicationStatus, LearnerAchievement
from services.records.errors import Message

ALREADY_REVIEWED = _l("This application has already been reviewed by someone else")
WITHDRAWN_BY_LEARNER = _l("The learner has withdrawn this application")
CLOSED = _l("This application has been revoked")

# Achievements that may be submitted for recognition / conversion.
RECOGNISABLE = (AchievementStatus.NOT_APPLIED, AchievementStatus.REFUSED)
CONVERTIBLE = (AchievementStatus.CATALOGUE, AchievementStatus.RECOGNISED)
# An achievement that no longer stands: its applications cannot be decided.
FALLEN = (AchievementStatus.WITHDRAWN, AchievementStatus.REVOKED)
OPEN = (ApplicationStatus.PENDING, ApplicationStatus.INITIAL_PASSED)
# Applications that grant target achievements when they pass.
GRANTING_KINDS = (ApplicationKind.CONVERSION, ApplicationKind.PERFORMANCE, ApplicationKind.BATCH)
# An application in one of these states stands in the way of another for the same
# achievement and rule (or target): open, passed, or a passed one revoked since.
BLOCKING = (*OPEN, ApplicationStatus.PASSED, ApplicationStatus.REVOKED)


def fresh(application: Application) -> Application:
    """The application as it is now, with its achievement."""
    return (
        Application.select(Application, LearnerAchievement)
        .join(LearnerAchievement)
        .where(Application.id == application.id)
        .get()
    )


def why_not_open(application_id: int) -> Message:
    """The message for a decision on an application that is no longer waiting for it."""
    status = Application.select(Application.status).where(Application.id == application_id).scalar()
    if status == ApplicationStatus.WITHDRAWN:
        return WITHDRAWN_BY_LEARNER
    if status == ApplicationStatus.REVOKED:
        return CLOSED
    return ALREADY_REVIEWED
