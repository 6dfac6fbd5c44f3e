"""Versions and effective dates of conversion rules.

A rule that has been published is never changed in place: 修改 writes a NEW row of
``conversion_rule`` with the same code, ``version`` + 1 and ``lineage`` = the id of version
1, with its own sources and targets; the earlier row becomes 历史版本 (``superseded``) and
its 失效日期 closes on the day of the change. Version rows rather than a snapshot table
because an application (and a batch) already points at a rule row: pointing at the
version it was submitted under makes every existing reader (targets shown to the learner
and the reviewers, the targets a final pass grants, the certificate) use that version's
content without a second code path, and old rows are simply never written again.

Whether a rule can be applied for is decided by its dates as well as its state
(``ConversionRule.in_force``): 生效日期 ≤ today < 失效日期.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError, ModelSelect

from models import CatalogueAchievement, ConversionRule, RuleStatus, User, now
from services.core import audit, transitions
from services.core.database import transaction
from services.files import storage
from services.records.errors import Message

# A rule's sources and targets as the forms give them (services.ledger.rules.create_rule).
Sources = Sequence[tuple[CatalogueAchievement, Any]]
Targets = Sequence[tuple[CatalogueAchievement, Any]]

# The fields a new version copies from the one it replaces unless the form gives them.
COPIED = ("name", "rule_type", "description", "target_major", "target_major_code", "target_level", "file",
          "commitment_accepted", "effective_until")


# The states whose rows the portal shows: the current version, the earlier ones, and one
# taken down (下架) since — a link to it keeps working and says so.
PUBLIC = (RuleStatus.PUBLISHED, RuleStatus.SUPERSEDED, RuleStatus.WITHDRAWN)


class VersionError(Exception):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def check_dates(effective_from: dt.date | None, effective_until: dt.date | None) -> Message | None:
    """失效日期 must come after 生效日期; the message to show, or None."""
    if effective_from and effective_until and effective_until <= effective_from:
        return _l("The expiry date must be later than the effective date")
    return None


def versioned(rule: ConversionRule) -> bool:
    """A published rule, or one that applications were made under, changes by a new
    version only; a draft, or a rule taken down before anyone applied, changes in place
    (the manuals' 撤回发布 → 修改)."""
    if rule.status == RuleStatus.PUBLISHED:
        return True
    return rule.applications.exists() or rule.batches.exists()


def new_version(rule: ConversionRule, user: User, sources: Sources, targets: Targets,
                write_links: Callable[[ConversionRule, Sources, Targets], None], **fields: Any) -> ConversionRule:
    """修改 of a published (or once published) rule: version n + 1 with the form's content.
    A published rule's new version is published at once (the rule stays available); one
    taken down gets a 未提交 version, published when the institution is ready. The earlier
    version is 历史版本 from today: its 失效日期 is today unless it ended earlier."""
    today = dt.date.today()
    published = rule.status == RuleStatus.PUBLISHED
    values = {name: getattr(rule, name) for name in COPIED if name not in fields}
    values.update(fields)
    if published:
        values["effective_from"] = values.get("effective_from") or today
        if values["effective_from"] < today:
            raise VersionError(_l("A new version cannot take effect before today"))
    closed_on = max(today, rule.effective_from or today)
    with transaction():
        until = closed_on if rule.effective_until is None or rule.effective_until > closed_on else rule.effective_until
        transitions.move(rule, RuleStatus.SUPERSEDED, expected=(rule.status,), changes={"effective_until": until},
                         error=VersionError, refusal=_l("Someone changed this rule at the same time; open it again"))
        try:
            version = ConversionRule.create(
                code=rule.code, institution=rule.institution_id, method=rule.method_id, created_by=user,
                version=rule.version + 1, lineage=rule.lineage_id,
                status=RuleStatus.PUBLISHED if published else RuleStatus.DRAFT,
                published_at=now() if published else None, **values,
            )
        except IntegrityError:  # the unique (code, version): a concurrent change won
            raise VersionError(_l("Someone changed this rule at the same time; open it again")) from None
        write_links(version, sources, targets)
        if "file" in fields and fields["file"] is not None:
            storage.attach([fields["file"]], version.id)
        audit.record("rule_versioned", version, user=user, code=rule.code, version=version.version)
    return version


def history(rule: ConversionRule) -> list[ConversionRule]:
    """Every version of ``rule``'s lineage that was public (published or earlier), newest first."""
    return list(
        ConversionRule.select()
        .where((ConversionRule.id == rule.lineage_id) | (ConversionRule.lineage == rule.lineage_id),
               ConversionRule.status.in_(PUBLIC))
        .order_by(ConversionRule.version.desc())
    )


def current(rule: ConversionRule) -> ConversionRule | None:
    """The newest version of ``rule``'s lineage (the one lists show)."""
    return (
        ConversionRule.select()
        .where((ConversionRule.id == rule.lineage_id) | (ConversionRule.lineage == rule.lineage_id))
        .order_by(ConversionRule.version.desc())
        .first()
    )


def version_in_force(rule: ConversionRule) -> ConversionRule | None:
    """The version of ``rule``'s lineage in force today (a link from a withdrawn or earlier
    version to the one applications are taken under), or None."""
    return (
        ConversionRule.in_force()
        .where((ConversionRule.id == rule.lineage_id) | (ConversionRule.lineage == rule.lineage_id))
        .order_by(ConversionRule.version.desc())
        .first()
    )


def lineage_rules(rule: ConversionRule) -> ModelSelect[ConversionRule]:
    """A subquery of the ids of every version of ``rule``: "already applied under this rule"
    means under any of its versions."""
    return ConversionRule.select(ConversionRule.id).where(
        (ConversionRule.id == rule.lineage_id) | (ConversionRule.lineage == rule.lineage_id)
    )


def in_force(rule: ConversionRule, day: dt.date | None = None) -> bool:
    day = day or dt.date.today()
    return (
        rule.status == RuleStatus.PUBLISHED
        and (rule.effective_from is None or rule.effective_from <= day)
        and (rule.effective_until is None or rule.effective_until > day)
    )


def not_in_force_reason(rule: ConversionRule, day: dt.date | None = None) -> Message | None:
    """Why ``rule`` cannot be applied for today (None when it can)."""
    day = day or dt.date.today()
    if rule.status == RuleStatus.SUPERSEDED:
        return _l("This rule has been changed since; choose its current version")
    if rule.status != RuleStatus.PUBLISHED:
        return _l("This rule is not published")
    if rule.effective_from and rule.effective_from > day:
        return _l("This rule takes effect on %(date)s", date=rule.effective_from.isoformat())
    if rule.effective_until and rule.effective_until <= day:
        return _l("This rule expired on %(date)s", date=rule.effective_until.isoformat())
    return None
