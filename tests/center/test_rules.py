"""Conversion methods and rules as services (SPEC §7): the states and their constraints."""
import datetime as dt
import threading

import pytest
from peewee import IntegrityError

from models import AuditLog, ConversionMethod, ConversionRule, PublishStatus, RuleSource, RuleStatus, User, db
from services.ledger import rules
from tests import factories

pytestmark = pytest.mark.usefixtures("reference")

WRITERS = 8


@pytest.fixture
def college(app):
    return factories.make_institution(name="广东开放大学")


@pytest.fixture
def center(app):
    return factories.make_user("center")


def rule_fields(**extra):
    return {"name": "一级证书转计算机应用基础", "rule_type": "nd2d", "commitment_accepted": True, **extra}


def test_a_second_published_method_of_one_institution_is_refused(college, center):
    first = rules.create_method(college, "办法一", None, center, commitment_accepted=True)
    second = rules.create_method(college, "办法二", None, center, commitment_accepted=True)
    rules.publish_method(first, center)
    with pytest.raises(rules.RuleError) as refused:
        rules.publish_method(second, center)
    assert str(refused.value) == "已有一条已发布状态的转换办法"
    assert ConversionMethod.get_by_id(second.id).status == PublishStatus.UNPUBLISHED
    # 撤销发布 the first, then the second may be published.
    rules.unpublish_method(first, center)
    rules.publish_method(second, center)
    statuses = dict(ConversionMethod.select(ConversionMethod.name, ConversionMethod.status).tuples())
    assert statuses == {"办法一": PublishStatus.UNPUBLISHED, "办法二": PublishStatus.PUBLISHED}


def test_the_database_itself_refuses_two_published_methods(college):
    """The partial unique index backs the check up against concurrent publication."""
    factories.make_method(college, published=True)
    with pytest.raises(IntegrityError), db.atomic():
        factories.make_method(college, published=True)


def test_a_method_needs_the_commitment_and_a_published_one_is_not_deleted(college, center):
    with pytest.raises(rules.RuleError):
        rules.create_method(college, "办法", None, center, commitment_accepted=False)
    method = rules.create_method(college, "办法", None, center, commitment_accepted=True)
    rules.publish_method(method, center)
    with pytest.raises(rules.RuleError):
        rules.delete_method(method, center)
    rules.unpublish_method(method, center)
    rules.delete_method(method, center)
    assert not ConversionMethod.select().exists()


def test_a_rule_needs_a_method(college, center):
    source, target = factories.make_catalogue(), factories.make_catalogue("course", institution=college)
    with pytest.raises(rules.RuleError):
        rules.create_rule(college, center, [(source, None)], [(target, None)], **rule_fields())
    assert not ConversionRule.select().exists()


def test_rule_states_and_edit_only_when_not_submitted_or_taken_down(college, center):
    factories.make_method(college)
    source, target = factories.make_catalogue(), factories.make_catalogue("course", institution=college)
    rule = rules.create_rule(college, center, [(source, None)], [(target, [{"name": "实操", "credits": "2"}])], **rule_fields())
    assert rule.status == RuleStatus.DRAFT and rule.code == f"{dt.date.today():%Y%m%d}0001"
    assert RuleSource.get(RuleSource.rule == rule).credits == source.credits
    rules.publish_rule(rule, center)
    # (修改 of a published rule makes a new version: tests/rules/test_rule_versions.py.)
    with pytest.raises(rules.RuleError):
        rules.delete_rule(ConversionRule.get_by_id(rule.id), center)
    assert ConversionRule.get_by_id(rule.id).name == "一级证书转计算机应用基础"
    rules.take_down_rule(rule, center)
    rules.update_rule(rule, center, [(source, 3)], [(target, None)], name="改名")
    assert ConversionRule.get_by_id(rule.id).name == "改名"
    assert RuleSource.get(RuleSource.rule == rule).credits == 3
    rules.delete_rule(ConversionRule.get_by_id(rule.id), center)
    assert not ConversionRule.select().exists()
    actions = [a for (a,) in AuditLog.select(AuditLog.action).order_by(AuditLog.id).tuples()]
    assert actions == ["rule_created", "rule_published", "rule_taken_down", "rule_updated", "rule_deleted"]


def test_rule_codes_are_unique_and_sequential_under_concurrent_creation(app, college, center):
    """Eight people press 保存 at the same moment: eight rules, codes …0001 to …0008."""
    factories.make_method(college)
    source, target = factories.make_catalogue(), factories.make_catalogue("course", institution=college)
    barrier = threading.Barrier(WRITERS)
    codes, errors = [], []

    def create(n):
        with app.app_context(), db.connection_context():
            user = User.get_by_id(center.id)
            barrier.wait()
            try:
                rule = rules.create_rule(college, user, [(source, None)], [(target, None)], **rule_fields(name=f"规则{n}"))
                codes.append(rule.code)
            except Exception as error:  # noqa: BLE001 - the assertion shows what went wrong
                errors.append(repr(error))

    threads = [threading.Thread(target=create, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    today = f"{dt.date.today():%Y%m%d}"
    assert errors == []
    assert sorted(codes) == [f"{today}{n:04d}" for n in range(1, WRITERS + 1)]
    assert ConversionRule.select().count() == WRITERS


def test_codes_continue_after_the_day_s_highest(college, center):
    today = f"{dt.date.today():%Y%m%d}"
    source, target = factories.make_catalogue(), factories.make_catalogue("course", institution=college)
    factories.make_rule([source], [target], code=f"{today}0041")
    factories.make_rule([source], [target], code="199901010099")
    assert rules.next_rule_code() == f"{today}0042"
