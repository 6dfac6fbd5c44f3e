"""Revocation that propagates through the ledger, in one transaction, never deleting.

When an achievement stops standing — its storing institution withdraws it (撤回), or a
conversion that granted it is revoked — every application resting on it follows:

- an open one (待审核 at any stage) is closed as 已撤销 with the reason;
- a passed conversion is revoked (已撤销, reason and date; its certificate then verifies
  as revoked), and the targets it granted (``granted_by``) become 已撤销 in turn, so a
  target used as the source of a later conversion revokes that one too (transitively).

Credits leave 学分账户 and credentials flip in the status lists by themselves: both read
the states. The learner and the institutions whose rules received the conversions are
told. ``plan`` lists what a revocation will touch, for the confirmation page.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from models import (
    AchievementStatus,
    Application,
    ApplicationStatus,
    ConversionRule,
    Institution,
    LearnerAchievement,
    Permission,
    User,
    now,
)
from services.accounts import permissions
from services.core import audit, transitions
from services.core.database import transaction
from services.files import storage
from services.ledger.common import GRANTING_KINDS, OPEN
from services.messaging.notify import link_to, notify
from services.records.errors import Refused, reason_of, require

REASON_MISSING = _l("Please enter the reason for revocation")
NOT_REVOCABLE = _l("Only a conversion that passed review can be revoked")
NO_RIGHT = _l("You may not revoke this conversion")


@dataclass
class Plan:
    """What a revocation touches: applications closed while open, conversions revoked, and
    the learner achievements revoked with them (each level of a chain in order)."""

    closed: list[Application] = field(default_factory=list)
    revoked: list[Application] = field(default_factory=list)
    targets: list[LearnerAchievement] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.closed or self.revoked or self.targets)


def _walk(achievement_ids: Iterable[int], conversions: Iterable[Application] = ()) -> Plan:
    """The plan of revoking ``conversions`` (applications) and everything resting on the
    achievements ``achievement_ids``: a breadth-first walk, one level a round of queries."""
    seen: set[int]
    plan, seen = Plan(), set()
    frontier, passing = set(achievement_ids), list(conversions)
    while frontier or passing:
        if frontier:
            resting = (Application.select(Application, LearnerAchievement)
                       .join(LearnerAchievement).where(Application.achievement.in_(list(frontier)))
                       .order_by(Application.id))
            for application in resting:
                if application.id in seen:
                    continue
                if application.status in OPEN:
                    plan.closed.append(application)
                    seen.add(application.id)
                elif application.status == ApplicationStatus.PASSED and application.kind in GRANTING_KINDS:
                    passing.append(application)
        frontier = set()
        passing = [a for a in passing if a.id not in seen]
        if passing:
            seen.update(a.id for a in passing)
            plan.revoked.extend(passing)
            granted = LearnerAchievement.select().where(
                LearnerAchievement.granted_by.in_([a.id for a in passing]),
                LearnerAchievement.status.in_([AchievementStatus.RECOGNISED, AchievementStatus.CATALOGUE]))
            for target in granted:
                plan.targets.append(target)
                frontier.add(target.id)
        passing = []
    return plan


def plan_for_conversion(application: Application) -> Plan:
    return _walk((), [application])


def plan_for_achievement(achievement: LearnerAchievement) -> Plan:
    return _walk([achievement.id])


def _carry_out(plan: Plan, reason: str, user: User, moment: dt.datetime) -> None:
    """Write the plan: set-based moves (each conditional on the state it was planned in),
    audit entries and the notices."""
    closing = {"revoked_at": moment, "revoked_reason": reason}
    if plan.closed:
        transitions.move(Application, ApplicationStatus.REVOKED, expected=OPEN,
                         where=[Application.id.in_([a.id for a in plan.closed])], changes=closing)
        audit.record_many("application_closed", "Application", [a.id for a in plan.closed], user=user, reason=reason)
    if plan.revoked:
        transitions.move(Application, ApplicationStatus.REVOKED, expected=(ApplicationStatus.PASSED,),
                         where=[Application.id.in_([a.id for a in plan.revoked])], changes=closing)
        audit.record_many("conversion_revoked", "Application", [a.id for a in plan.revoked], user=user, reason=reason)
    if plan.targets:
        transitions.move(LearnerAchievement, AchievementStatus.REVOKED,
                         expected=(AchievementStatus.RECOGNISED, AchievementStatus.CATALOGUE),
                         where=[LearnerAchievement.id.in_([t.id for t in plan.targets])],
                         changes={**closing, "updated_at": moment})
        audit.record_many("achievement_revoked", "LearnerAchievement", [t.id for t in plan.targets], user=user,
                          reason=reason)
    _tell(plan, reason)


def _tell(plan: Plan, reason: str) -> None:
    """The learner of each revoked conversion, and the institution whose rule received it."""
    if not plan.revoked:
        return
    names: dict[int | None, list[str]] = {t.granted_by: [] for t in plan.targets}
    for target in plan.targets:
        names[target.granted_by].append(target.name)
    rules: dict[int | None, ConversionRule] = {r.id: r for r in ConversionRule.select().where(
        ConversionRule.id.in_([a.rule_id for a in plan.revoked if a.rule_id]))}
    learners = {u.id: u for u in User.select().where(User.id.in_([a.learner_id for a in plan.revoked]))}
    for application in plan.revoked:
        targets = "、".join(names.get(application.id, [])) or "—"
        text = _l("[Credit Bank] The conversion of your achievement %(source)s has been revoked; %(targets)s "
                  "no longer count in your credit account. Reason: %(reason)s",
                  source=application.achievement.name, targets=targets, reason=reason)
        notify(learners[application.learner_id], _l("Conversion revoked"), text, link=link_to("learner.credits"),
               by_sms=True)
        rule = rules.get(application.rule_id)
        receiver = application.receiver_id or (rule.institution_id if rule else None)
        if receiver:
            institution_text = _l("The conversion of %(learner)s's achievement %(source)s under your rule %(rule)s "
                                  "has been revoked. Reason: %(reason)s",
                                  learner=learners[application.learner_id].real_name,
                                  source=application.achievement.name, rule=rule.code if rule else "—", reason=reason)
            for account in permissions.menu_holders(receiver, Permission.RECORDS):
                notify(account, _l("Conversion revoked"), institution_text, link=link_to("inst_records.index_view"))


def withdraw_achievement(achievement: LearnerAchievement, user: User, reason: str | None,
                         reason_file: FileStorage | None) -> Plan:
    """撤回 by the storing institution, with a reason and a reason file; everything resting
    on the achievement is revoked with it."""
    reason = reason_of(reason, _l("Please enter the reason for withdrawal"))
    require(permissions.acts_for(user, achievement.stored_by_id), _l("You may not withdraw this achievement"))
    moment = now()
    with transaction():
        attachment = storage.save_upload(reason_file, "withdrawal", achievement.id, purpose="withdrawal", user=user)
        transitions.move(
            achievement, AchievementStatus.WITHDRAWN,
            changes={"withdrawn_reason": reason, "withdrawn_at": moment, "updated_at": moment},
            refusal=_l("The achievement has already been withdrawn"), error=Refused,
            audit="achievement_withdrawn", user=user, reason=reason, file=attachment.id,
        )
        plan = plan_for_achievement(achievement)
        _carry_out(plan, reason, user, moment)
        notify(
            achievement.learner, _l("Achievement withdrawn"),
            _l("%(institution)s withdrew your achievement %(achievement)s. Reason: %(reason)s",
               # stored: acts_for(user, stored_by_id) was required above
               institution=cast(Institution, achievement.stored_by).name, achievement=achievement.name,
               reason=reason),
            link=link_to("learner.home"), by_sms=True,
        )
    return plan


def may_revoke(user: User, application: Application) -> bool:
    """The center, and the institution whose rule received the conversion (its accounts
    with the 转换记录 menu), revoke a passed conversion."""
    return permissions.may_revoke_conversion(user, application)


def revoke_conversion(application: Application, user: User, reason: str | None) -> Plan:
    """撤销转换: a passed conversion, and everything it granted, revoked with a reason."""
    reason = reason_of(reason, REASON_MISSING)
    require(may_revoke(user, application), NO_RIGHT)
    require(application.kind in GRANTING_KINDS, NOT_REVOCABLE)
    moment = now()
    with transaction():
        current = Application.select(Application, LearnerAchievement).join(LearnerAchievement).where(
            Application.id == application.id).get()
        require(current.status == ApplicationStatus.PASSED, NOT_REVOCABLE)
        plan = plan_for_conversion(current)
        _carry_out(plan, reason, user, moment)
        audit.record("conversion_revocation", current, user=user, reason=reason,
                     applications=len(plan.revoked) + len(plan.closed))
    return plan
