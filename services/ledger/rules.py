"""Conversion methods and rules (转换办法与规则, SPEC §7): creation and state changes.

View-independent: the center's admin and the institution space call the same functions.
States: a method is 未发布 or 已发布 (one published per institution, also enforced by a
partial unique index); a rule is 未提交 → 已发布 → 下架 (and back to 已发布). Each change
is a conditional UPDATE on the expected state (``services.core.transitions.move``) inside one
transaction with its audit entry, so two people acting at once cannot both win.

Rule codes are the date plus a 4-digit daily sequence (202203010001). Two rules created at
the same moment may compute the same next code; the unique index refuses the second insert
and ``create_rule`` retries with the following number.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError, ModelSelect, fn

from models import (
    Attachment,
    CatalogueAchievement,
    Category,
    CategoryKind,
    ConversionMethod,
    ConversionRule,
    Institution,
    PublishStatus,
    RuleSource,
    RuleStatus,
    RuleTarget,
    RuleType,
    User,
    now,
)
from services.core import audit, transitions
from services.core.database import transaction
from services.files import storage
from services.ledger import rule_alerts

if TYPE_CHECKING:
    from services.ledger.rule_versions import Sources, Targets

ONE_PUBLISHED = _l("There is already a published conversion method")
EDITABLE_RULE_STATES = (RuleStatus.DRAFT, RuleStatus.WITHDRAWN)
CODE_ATTEMPTS = 50


class RuleError(transitions.TransitionRefused):
    """A refused change; ``str()`` is the message to show."""


# --- methods -----------------------------------------------------------------------------


def method_editable(method: ConversionMethod) -> bool:
    return method.status != PublishStatus.PUBLISHED


def create_method(institution: Institution, name: str, file: Attachment | None, user: User,
                  commitment_accepted: bool) -> ConversionMethod:
    """保存: a new 未发布 method; the publication commitment must be accepted."""
    if not commitment_accepted:
        raise RuleError(_l("Please accept the information publication security commitment"))
    with transaction():
        method = ConversionMethod.create(
            institution=institution, name=name, file=file, commitment_accepted=True, created_by=user
        )
        if file is not None:
            storage.attach([file], method.id)
        audit.record("method_created", method, user=user, name=name)
    return method


def update_method(method: ConversionMethod, user: User, name: str, file: Attachment | None = None) -> None:
    """修改: name and, optionally, a new PDF; only while 未发布."""
    changes = {"name": name} if file is None else {"name": name, "file": file}
    with transaction():
        changed = ConversionMethod.update(**changes).where(
            ConversionMethod.id == method.id, ConversionMethod.status == PublishStatus.UNPUBLISHED
        ).execute()
        if changed != 1:
            raise RuleError(_l("A published conversion method cannot be changed; withdraw its publication first"))
        if file is not None:
            storage.attach([file], method.id)
        audit.record("method_updated", method, user=user, name=name)


def publish_method(method: ConversionMethod, user: User) -> None:
    """发布; refused while another method of the institution is published."""
    try:
        with transaction():
            others = ConversionMethod.select().where(
                ConversionMethod.institution == method.institution_id,
                ConversionMethod.status == PublishStatus.PUBLISHED,
                ConversionMethod.id != method.id,
            )
            if others.exists():
                raise RuleError(ONE_PUBLISHED)
            transitions.move(method, PublishStatus.PUBLISHED, changes={"published_at": now()}, error=RuleError,
                             refusal=_l("This conversion method is already published"),
                             audit="method_published", user=user)
    except IntegrityError:  # a concurrent publication won the partial unique index
        raise RuleError(ONE_PUBLISHED) from None


def unpublish_method(method: ConversionMethod, user: User) -> None:
    """撤销发布: back to 未发布 (editable again)."""
    transitions.move(method, PublishStatus.UNPUBLISHED, changes={"published_at": None}, error=RuleError,
                     refusal=_l("This conversion method is not published"), audit="method_unpublished", user=user)


def delete_method(method: ConversionMethod, user: User) -> None:
    """Only an unpublished method that no rule refers to."""
    if not method_editable(method):
        raise RuleError(_l("A published conversion method cannot be deleted; withdraw its publication first"))
    if ConversionRule.select().where(ConversionRule.method == method.id).exists():
        raise RuleError(_l("Conversion rules refer to this method; it cannot be deleted"))
    with transaction():
        if ConversionMethod.delete().where(
            ConversionMethod.id == method.id, ConversionMethod.status == PublishStatus.UNPUBLISHED
        ).execute() != 1:
            raise RuleError(_l("A published conversion method cannot be deleted; withdraw its publication first"))
        audit.record("method_deleted", method, user=user, name=method.name)


def method_for_rules(institution_id: int) -> ConversionMethod | None:
    """The method new rules hang under: the published one, else the latest; None if none."""
    return (
        ConversionMethod.select()
        .where(ConversionMethod.institution == institution_id)
        .order_by((ConversionMethod.status == PublishStatus.PUBLISHED).desc(), ConversionMethod.id.desc())
        .first()
    )


# --- rules -------------------------------------------------------------------------------


def rule_editable(rule: ConversionRule) -> bool:
    """发布 and 删除 are offered for these states (修改 also for published ones: ``rule_changeable``)."""
    return rule.status in EDITABLE_RULE_STATES


def rule_changeable(rule: ConversionRule) -> bool:
    """修改: any state but an earlier version; a published rule changes by a new version."""
    return rule.status in (*EDITABLE_RULE_STATES, RuleStatus.PUBLISHED)


def next_rule_code(day: dt.date | None = None) -> str:
    """The next free code of ``day``: its date and the highest sequence used + 1."""
    prefix = f"{day or dt.date.today():%Y%m%d}"
    last = (
        ConversionRule.select(fn.MAX(ConversionRule.code))
        .where(ConversionRule.code.startswith(prefix))
        .scalar()
    )
    sequence = int(last[len(prefix):]) + 1 if last else 1
    if sequence > 9999:
        raise RuleError(_l("No rule codes are left for today"))
    return f"{prefix}{sequence:04d}"


# Which side of each rule type is 学历 (degree): the others are 非学历.
DEGREE_SOURCES = frozenset({RuleType.DEGREE_TO_NON_DEGREE, RuleType.DEGREE_TO_DEGREE})
DEGREE_TARGETS = frozenset({RuleType.NON_DEGREE_TO_DEGREE, RuleType.DEGREE_TO_DEGREE})


def is_degree(catalogue_achievement: CatalogueAchievement) -> bool:
    return catalogue_achievement.category.kind == CategoryKind.DEGREE


def is_course(catalogue_achievement: CatalogueAchievement) -> bool:
    """A course (课程) rather than a certificate: its type's form has a course name."""
    return any(item.get("name") == "course_name" for item in catalogue_achievement.category.field_schema or ())


def modules_text(modules: Iterable[Mapping[str, Any]] | None) -> str | None:
    """免考模块 as one line: 实操 (2学分)、机考 (2学分)."""
    return "、".join(f"{m['name']} ({m['credits']}学分)" for m in modules or ()) or None


def _check_links(institution_id: int, rule_type: str | None, sources: Sources, targets: Targets) -> None:
    if not sources:
        raise RuleError(_l("Choose at least one source achievement"))
    if not targets:
        raise RuleError(_l("Choose at least one target achievement"))
    if {s.id for s, _credits in sources} & {t.id for t, _modules in targets}:
        raise RuleError(_l("An achievement cannot be both a source and a target of one rule"))
    if any(t.institution_id != institution_id for t, _modules in targets):
        raise RuleError(_l("Target achievements must be achievements of the rule's institution"))
    if rule_type is None:
        return
    degree_sources = rule_type in DEGREE_SOURCES
    if any(is_degree(s) != degree_sources for s, _credits in sources):
        raise RuleError(_l("The source achievements do not match the conversion rule type"))
    degree_targets = rule_type in DEGREE_TARGETS
    if any(is_degree(t) != degree_targets for t, _modules in targets):
        raise RuleError(_l("The target achievements do not match the conversion rule type"))
    if degree_targets and not any(is_course(t) for t, _modules in targets):
        raise RuleError(_l("Choose at least one course when the target is a major or a course"))


def _write_links(rule: ConversionRule, sources: Sources, targets: Targets) -> None:
    RuleSource.delete().where(RuleSource.rule == rule.id).execute()
    RuleTarget.delete().where(RuleTarget.rule == rule.id).execute()
    for catalogue_achievement, credits in sources:
        RuleSource.create(rule=rule, catalogue=catalogue_achievement,
                          credits=catalogue_achievement.credits if credits is None else credits)
    for catalogue_achievement, modules in targets:
        RuleTarget.create(rule=rule, catalogue=catalogue_achievement, modules=list(modules or ()) or None,
                          exempt_modules=modules_text(modules))


def _check_dates(fields: Mapping[str, Any], rule: ConversionRule | None = None) -> None:
    from services.ledger import rule_versions

    effective_from = fields.get("effective_from", rule and rule.effective_from)
    refusal = rule_versions.check_dates(effective_from, fields.get("effective_until", rule and rule.effective_until))
    if refusal:
        raise RuleError(refusal)


def create_rule(institution: Institution, user: User, sources: Sources, targets: Targets,
                **fields: Any) -> ConversionRule:
    """转换规则制定 (saved as 未提交). ``sources``: (catalogue achievement, credits or None) pairs;
    ``targets``: (catalogue achievement, 免考模块 [{"name", "credits"}] or None) pairs; ``fields``:
    name, rule_type, description, target_major, target_major_code, target_level, file,
    commitment_accepted. The institution must have a conversion method."""
    if not fields.get("commitment_accepted"):
        raise RuleError(_l("Please accept the information publication security commitment"))
    _check_links(institution.id, fields.get("rule_type"), sources, targets)
    _check_dates(fields)
    method = method_for_rules(institution.id)
    if method is None:
        raise RuleError(_l("The institution needs a conversion method before its first rule"))
    for _attempt in range(CODE_ATTEMPTS):
        try:
            with transaction():
                rule = ConversionRule.create(
                    code=next_rule_code(), institution=institution, method=method, created_by=user, **fields
                )
                _write_links(rule, sources, targets)
                if rule.file_id:
                    storage.attach([rule.file], rule.id)
                audit.record("rule_created", rule, user=user, code=rule.code)
            return rule
        except IntegrityError:
            # Someone took this code between our read and our insert: take the next one
            # (the transaction or savepoint was rolled back, so the retry starts clean).
            continue
    raise RuleError(_l("Could not allocate a rule code; please try again"))


def update_rule(rule: ConversionRule, user: User, sources: Sources, targets: Targets,
                **fields: Any) -> ConversionRule:
    """修改: a rule never published changes in place; one that has been published gets a
    new version (services/ledger/rule_versions.py). The code and the institution never change.
    Returns the rule as changed: the new version where one was made."""
    from services.ledger import rule_versions

    if "commitment_accepted" in fields and not fields["commitment_accepted"]:
        raise RuleError(_l("Please accept the information publication security commitment"))
    _check_links(rule.institution_id, fields.get("rule_type", rule.rule_type), sources, targets)
    _check_dates(fields, rule)
    if rule_versions.versioned(rule):
        try:
            return rule_versions.new_version(rule, user, sources, targets, _write_links, **fields)
        except rule_versions.VersionError as error:
            raise RuleError(error.args[0]) from None
    with transaction():
        changed = ConversionRule.update(**fields).where(
            ConversionRule.id == rule.id, ConversionRule.status.in_(list(EDITABLE_RULE_STATES))
        ).execute()
        if changed != 1:
            raise RuleError(_l("Only rules that are not submitted or taken down can be changed"))
        _write_links(rule, sources, targets)
        if fields.get("file") is not None:
            storage.attach([fields["file"]], rule.id)
        audit.record("rule_updated", rule, user=user)
    return rule


def publish_rule(rule: ConversionRule, user: User) -> None:
    """发布: 未提交 or 下架 → 已发布."""
    transitions.move(rule, RuleStatus.PUBLISHED, expected=EDITABLE_RULE_STATES,
                     changes={"published_at": now(),
                              "effective_from": fn.COALESCE(ConversionRule.effective_from, dt.date.today())},
                     error=RuleError, refusal=_l("This rule is already published"), audit="rule_published", user=user)
    rule_alerts.rule_published(rule.id)  # holders of its sources are told once it has committed


def take_down_rule(rule: ConversionRule, user: User) -> None:
    """下架 / 撤回发布: 已发布 → 下架 (editable again, hidden from the rule catalogue)."""
    transitions.move(rule, RuleStatus.WITHDRAWN, error=RuleError, refusal=_l("Only published rules can be taken down"),
                     audit="rule_taken_down", user=user)


def delete_rule(rule: ConversionRule, user: User) -> None:
    """Only 未提交 or 下架 rules that no application used."""
    with transaction():
        if not rule_editable(rule):
            raise RuleError(_l("Only rules that are not submitted or taken down can be deleted"))
        if rule.version > 1:
            raise RuleError(_l("A rule with earlier versions cannot be deleted; take it down instead"))
        if rule.applications.exists() or rule.batches.exists():
            raise RuleError(_l("Applications used this rule; take it down instead of deleting it"))
        deleted = ConversionRule.delete().where(
            ConversionRule.id == rule.id, ConversionRule.status.in_(list(EDITABLE_RULE_STATES))
        ).execute()
        if deleted != 1:
            raise RuleError(_l("Only rules that are not submitted or taken down can be deleted"))
        audit.record("rule_deleted", rule, user=user, code=rule.code)


# --- reading rules -----------------------------------------------------------------------


def course_category_ids() -> list[int]:
    """The types whose catalogue achievements are courses (``is_course``), read in one query."""
    rows = Category.select(Category.id, Category.field_schema)
    return [c.id for c in rows if any(item.get("name") == "course_name" for item in c.field_schema or ())]


def rule_links(rule_ids: Iterable[int]) -> dict[int, dict[str, list[Any]]]:
    """源成果 and 目标成果 of ``rule_ids`` in two queries: {rule_id: {"sources": [RuleSource],
    "majors": [...], "courses": [...], "non_degree": [RuleTarget]}}, each with its catalogue
    achievement and that achievement's type and institution."""
    links: dict[int, dict[str, list[Any]]] = {
        rule_id: {"sources": [], "majors": [], "courses": [], "non_degree": []} for rule_id in rule_ids}
    if not links:
        return links
    for model, key in ((RuleSource, "sources"), (RuleTarget, None)):
        rows = (
            model.select(model, CatalogueAchievement, Category, Institution)
            .join(CatalogueAchievement)
            .join(Category, on=(CatalogueAchievement.category == Category.id))
            .switch(CatalogueAchievement)
            .join(Institution, on=(CatalogueAchievement.institution == Institution.id))
            .where(model.rule.in_(list(links)))
            .order_by(model.id)
        )
        for row in rows:
            catalogue_achievement = row.catalogue
            group = key or ("non_degree" if not is_degree(catalogue_achievement)
                            else "courses" if is_course(catalogue_achievement) else "majors")
            links[row.rule_id][group].append(row)
    return links


def related_rules(institution_id: int) -> ModelSelect[ConversionRule]:
    """与我相关的转换规则: other institutions' published rules with a source among
    ``institution_id``'s catalogue achievements."""
    mine = (
        RuleSource.select(RuleSource.rule)
        .join(CatalogueAchievement)
        .where(CatalogueAchievement.institution == institution_id)
    )
    return ConversionRule.published().where(
        ConversionRule.institution != institution_id, ConversionRule.id.in_(mine)
    )
