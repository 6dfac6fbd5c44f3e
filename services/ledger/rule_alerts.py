"""Rule alerts (seed 003 Q2/Q5: store an achievement now, convert when a rule appears).

When a rule is published, every learner holding one of its source achievements (all of
them or only some) is told once per rule: an inbox message and, when they gave an address,
an e-mail, both linking to the rule's pathway in 学分账户. A background job does it after
the publication has committed, set-based, so a province of 100 000 holders costs a handful
of statements: the holders are selected in SQL into ``rule_alert`` (its unique (rule,
learner) index makes a second publication, or a second job, tell nobody twice), and the
messages and e-mails are inserted from there in bulk, one statement per language.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import cast

from flask import current_app, g
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from peewee import SQL, ColumnBase, ModelSelect, Value, fn

from models import (
    AccountStatus,
    ConversionRule,
    EmailOutbox,
    Institution,
    LearnerAchievement,
    Message,
    RuleAlert,
    RuleSource,
    RuleStatus,
    SmsStatus,
    User,
    db,
    now,
)
from services.core.database import transaction
from services.ledger.pathways import HELD_STATUSES
from services.messaging import mail
from services.messaging.notify import link_to

log = logging.getLogger(__name__)

TITLE = _l("A conversion rule for your achievements")
BODY = _l("[Credit Bank] %(institution)s has published the conversion rule %(code)s %(name)s, whose source "
          "achievements you hold wholly or in part. See what you hold and what is missing under Conversion "
          "pathways in your credit account.")
EMAIL_LINK = _l("Your conversion pathway: %(url)s")


def rule_published(rule_id: int) -> None:
    """Called when ``rule_id`` was published: the alert job runs once that has committed."""
    if db.in_transaction():
        g.setdefault("rules_to_alert", []).append(rule_id)
    else:
        _queue([rule_id])


def flush() -> None:
    """Queue the alerts of the rules this request or job published (never raises)."""
    waiting = g.pop("rules_to_alert", None)
    if waiting:
        _queue(waiting)


def _queue(rule_ids: Iterable[int]) -> None:
    from services.background import queue

    for rule_id in dict.fromkeys(rule_ids):
        try:
            queue.enqueue("alert_rule_published", rule_id)
        except Exception:
            log.warning("Rule alert of rule %s not queued", rule_id, exc_info=True)


def _holders(rule_id: int) -> ModelSelect[LearnerAchievement]:
    """(learner) of every account holding one of the rule's sources in a usable state."""
    return (
        LearnerAchievement.select(LearnerAchievement.learner)
        .join(RuleSource, on=(RuleSource.catalogue == LearnerAchievement.catalogue))
        .join(User, on=(User.id == LearnerAchievement.learner))
        .where(RuleSource.rule == rule_id, LearnerAchievement.status.in_(HELD_STATUSES),
               User.status != AccountStatus.DISABLED)
        .distinct()
    )


def _locale_groups(rule_id: int) -> Sequence[tuple[str, ColumnBase]]:
    """The languages the pending alerts are written in, each with its condition on User."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    pending = RuleAlert.select(RuleAlert.learner).where(RuleAlert.rule == rule_id, ~RuleAlert.notified)
    found = {locale for (locale,) in cast(Iterable[tuple[str | None]],
                                          User.select(User.locale).where(User.id.in_(pending)).distinct().tuples())}
    others = sorted(locale for locale in found if locale and locale != default)
    if not others:
        return [(default, SQL("1 = 1"))]
    return [(default, User.locale.is_null() | User.locale.not_in(others))] + [
        (locale, User.locale == locale) for locale in others
    ]


def alert(rule_id: int) -> int:
    """Tell the holders of ``rule_id``'s sources not told yet; returns how many were told."""
    rule = (ConversionRule.select(ConversionRule, Institution).join(Institution)
            .where(ConversionRule.id == rule_id).first())
    if rule is None or rule.status != RuleStatus.PUBLISHED:
        return 0
    link = link_to("learner.credits", rule=rule.id)
    url = (current_app.config["PUBLIC_URL"] or mail.DEVELOPMENT_URL).rstrip("/") + link
    created = now()
    with transaction():
        holders = _holders(rule.id).select_extend(Value(rule.id), Value(False), Value(created))
        RuleAlert.insert_from(
            holders, [RuleAlert.learner, RuleAlert.rule, RuleAlert.notified, RuleAlert.created_at]
        ).on_conflict_ignore().execute()
        last_email = EmailOutbox.select(fn.MAX(EmailOutbox.id)).scalar() or 0
        for locale, condition in _locale_groups(rule.id):
            with force_locale(locale):
                title = str(TITLE)
                body = str(BODY % {"institution": rule.institution.name, "code": rule.code, "name": rule.name})
                email_body = body + "\n\n" + str(EMAIL_LINK % {"url": url})
            pending = (RuleAlert.select().join(User, on=(User.id == RuleAlert.learner))
                       .where(RuleAlert.rule == rule.id, ~RuleAlert.notified, condition))
            Message.insert_from(
                pending.select(RuleAlert.learner, Value(title), Value(body), Value(link), Value(created)),
                [Message.user, Message.title, Message.body, Message.link, Message.created_at],
            ).execute()
            EmailOutbox.insert_from(
                pending.select(User.email, Value(title), Value(email_body), Value(created),
                               Value(SmsStatus.PENDING), Value(0))
                .where(User.email.is_null(False), User.email != ""),
                [EmailOutbox.email, EmailOutbox.subject, EmailOutbox.body, EmailOutbox.created_at,
                 EmailOutbox.status, EmailOutbox.attempts],
            ).execute()
        told = RuleAlert.update(notified=True).where(RuleAlert.rule == rule.id, ~RuleAlert.notified).execute()
        new_emails = [row_id for (row_id,) in cast(Iterable[tuple[int]], EmailOutbox.select(EmailOutbox.id).where(
            EmailOutbox.id > last_email, EmailOutbox.status == SmsStatus.PENDING).tuples())]
    mail.queue(new_emails)  # committed: hand them to the delivery jobs
    return told
