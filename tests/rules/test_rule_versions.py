"""Versioned, effective-dated rules: a change to a published rule is a
new version; an application is shown and judged by the version it was submitted under;
only rules in force are offered and accepted; the portal shows the current version and
its history."""
import datetime as dt
from types import SimpleNamespace

import pytest

from models import (
    AchievementStatus,
    Application,
    ApplicationStatus,
    AuditLog,
    ConversionRule,
    LearnerAchievement,
    Role,
    RuleStatus,
    RuleTarget,
)
from services import ledger
from services.ledger import rule_versions, rules
from tests import factories
from tests.learner.helpers import learner_with_point

TODAY = dt.date.today()


@pytest.fixture
def world(center, client_as):
    college = factories.make_institution(name="广东开放大学")
    factories.make_method(college)
    source = factories.make_catalogue(name="全国计算机等级考试一级证书")
    course_a = factories.make_catalogue("course", name="计算机应用基础", institution=college)
    course_b = factories.make_catalogue("course", name="办公软件应用", institution=college)
    user = center.user
    rule = rules.create_rule(college, user, [(source, None)], [(course_a, None)], name="一级证书转计算机应用基础",
                             rule_type="nd2d", commitment_accepted=True)
    rules.publish_rule(rule, user)
    first, second = learner_with_point(), learner_with_point()
    return SimpleNamespace(
        college=college, source=source, course_a=course_a, course_b=course_b, rule=ConversionRule.get_by_id(rule.id),
        center=center, first=client_as(first), second=client_as(second),
        first_row=factories.make_achievement(first, source), second_row=factories.make_achievement(second, source),
    )


def form(world, **fields):
    return {"institution": str(world.college.id), "name": "一级证书转计算机应用基础", "rule_type": "nd2d",
            "sources": str(world.source.id), "courses": str(world.course_b.id), "commitment": "y",
            "target_level": "", **fields}


def apply(client, row, rule):
    return client.post(f"/me/conversions/{row.id}/apply", data={"rule": str(rule.id)})


def test_a_published_rule_changes_by_a_new_version_and_old_applications_keep_theirs(world, client_as):
    assert apply(world.first, world.first_row, world.rule).status_code == 302
    old = Application.get(Application.achievement == world.first_row)
    assert old.rule_id == world.rule.id
    # The center changes the published rule: target 计算机应用基础 → 办公软件应用.
    page = world.center.get(f"/admin/center_rules/edit/?id={world.rule.id}").get_data(as_text=True)
    assert "data-new-version" in page and "保存后生成第2版" in page
    response = world.center.post(f"/admin/center_rules/edit/?id={world.rule.id}", data=form(world))
    assert response.status_code == 302
    first = ConversionRule.get_by_id(world.rule.id)
    second = ConversionRule.get(ConversionRule.code == first.code, ConversionRule.version == 2)
    assert response.location.endswith(f"/admin/center_rules/details/?id={second.id}")
    assert (first.status, first.effective_until) == (RuleStatus.SUPERSEDED, dt.date.today())
    assert (second.status, second.lineage, second.effective_from) == (RuleStatus.PUBLISHED, first.id, dt.date.today())
    # Version 1 is immutable: its targets are as they were; version 2 has its own.
    assert [t.catalogue_id for t in RuleTarget.select().where(RuleTarget.rule == first)] == [world.course_a.id]
    assert [t.catalogue_id for t in RuleTarget.select().where(RuleTarget.rule == second)] == [world.course_b.id]
    assert AuditLog.get(AuditLog.action == "rule_versioned").object_id == second.id
    details = world.center.get(response.location).get_data(as_text=True)
    assert "第2版已发布" in details and f'href="/rules/{first.id}"' in details
    # Lists show the rule once, as its current version.
    listing = world.center.get("/admin/center_rules/").get_data(as_text=True)
    assert listing.count(first.code) == 1 and f"id={second.id}" in listing
    # The learner who applied under version 1 sees version 1's target, not version 2's.
    progress = world.first.get(f"/me/conversions/{world.first_row.id}/progress").get_data(as_text=True)
    assert "计算机应用基础" in progress and "办公软件应用" not in progress and 'data-rule-version="1"' in progress
    # Applying again under the changed rule is applying twice.
    assert "您已提交过该转换申请" in apply(world.first, world.first_row, second).get_data(as_text=True)
    # Version 1 is no longer offered; a stale form naming it is refused.
    offered = world.second.get(f"/me/conversions/{world.second_row.id}/apply").get_data(as_text=True)
    assert f'id="rule{second.id}"' in offered and f'id="rule{first.id}"' not in offered
    assert "请选择适用于该成果的规则" in apply(world.second, world.second_row, first).get_data(as_text=True)
    with pytest.raises(ledger.Refused, match="该规则已修改"):
        ledger.submit_conversion(world.second_row, first, world.second.user)
    # A new application is made under version 2.
    assert apply(world.second, world.second_row, second).status_code == 302
    new = Application.get(Application.achievement == world.second_row)
    assert new.rule_id == second.id
    # Reviewers see the version each was submitted under, with its targets.
    reviewer = client_as(factories.make_user(Role.REVIEWER, institution=world.first.user.teaching_point))
    page = reviewer.get(f"/admin/initial_review/review/{old.id}").get_data(as_text=True)
    assert 'data-rule-version="1"' in page and "计算机应用基础" in page and "办公软件应用" not in page
    # Judged by its version: the final pass grants version 1's target to the first learner
    # and version 2's to the second.
    committee = factories.make_user(Role.COMMITTEE)
    for application in (old, new):
        tp_reviewer = factories.make_user(Role.REVIEWER, institution=application.learner.teaching_point)
        ledger.initial_review(Application.get_by_id(application.id), tp_reviewer, True, "意见：同意")
        ledger.final_review(Application.get_by_id(application.id), committee, True, "审核人：周教授")
    granted = {
        (row.learner_id, row.catalogue_id)
        for row in LearnerAchievement.select().where(LearnerAchievement.status == AchievementStatus.RECOGNISED)
    }
    assert granted == {(world.first.user.id, world.course_a.id), (world.second.user.id, world.course_b.id)}
    assert Application.get_by_id(old.id).status == ApplicationStatus.PASSED


def test_the_portal_shows_the_current_version_and_the_history(world):
    second = rules.update_rule(world.rule, world.center.user, [(world.source, None)], [(world.course_b, None)],
                               description="第二版说明")
    first = ConversionRule.get_by_id(world.rule.id)
    catalogue = world.first.get("/rules").get_data(as_text=True)
    assert catalogue.count(f"/rules/{second.id}") == 1 and f"/rules/{first.id}\"" not in catalogue
    current = world.first.get(f"/rules/{second.id}").get_data(as_text=True)
    assert "第二版说明" in current and 'data-in-force="1"' in current and "版本历史" in current
    assert f'href="/rules/{first.id}"' in current and 'data-version-row="1"' in current
    old = world.first.get(f"/rules/{first.id}").get_data(as_text=True)
    assert "data-superseded" in old and 'data-in-force="0"' in old and "第二版说明" not in old
    assert "计算机应用基础" in old and f'href="/rules/{second.id}" data-current' in old
    # A draft is not public, whatever its version.
    draft = factories.make_rule([world.source], [world.course_a], status=RuleStatus.DRAFT)
    assert world.first.get(f"/rules/{draft.id}").status_code == 404


@pytest.mark.parametrize("dates, message", [
    ({"effective_from": TODAY + dt.timedelta(days=3)}, "起生效"),
    ({"effective_from": TODAY - dt.timedelta(days=30), "effective_until": TODAY}, "失效"),
])
def test_rules_not_in_force_are_neither_offered_nor_accepted(world, dates, message):
    ConversionRule.update(**dates).where(ConversionRule.id == world.rule.id).execute()
    rule = ConversionRule.get_by_id(world.rule.id)
    offered = world.first.get(f"/me/conversions/{world.first_row.id}/apply").get_data(as_text=True)
    assert f'id="rule{rule.id}"' not in offered
    assert 'data-rules>0<' in world.first.get("/me/conversions").get_data(as_text=True)
    assert apply(world.first, world.first_row, rule).status_code == 200  # the form again, nothing sent
    assert not Application.select().exists()
    with pytest.raises(ledger.Refused, match=message):
        ledger.submit_conversion(world.first_row, rule, world.first.user)
    page = world.first.get(f"/rules/{rule.id}").get_data(as_text=True)
    assert 'data-in-force="0"' in page


def test_an_institution_batch_is_refused_under_a_rule_not_in_force(world):
    holder_institution = world.source.institution
    user = factories.make_user(Role.INSTITUTION, institution=holder_institution)
    ConversionRule.update(effective_from=dt.date.today() + dt.timedelta(days=1)).where(
        ConversionRule.id == world.rule.id).execute()
    with pytest.raises(ledger.Refused, match="起生效"):
        ledger.submit_batch(holder_institution, ConversionRule.get_by_id(world.rule.id), [], user)


def test_the_form_sets_and_checks_the_dates(world):
    data = form(world, name="带日期的规则", effective_from="2027-01-01", effective_until="2026-12-31")
    page = world.center.post("/admin/center_rules/new/", data=data).get_data(as_text=True)
    assert "失效日期须晚于生效日期" in page and not ConversionRule.select().where(ConversionRule.name == "带日期的规则").exists()
    assert world.center.post("/admin/center_rules/new/", data={**data, "effective_until": "2028-01-01"}
                             ).status_code == 302
    rule = ConversionRule.get(ConversionRule.name == "带日期的规则")
    assert (rule.effective_from, rule.effective_until) == (dt.date(2027, 1, 1), dt.date(2028, 1, 1))
    # Published with no 生效日期: in force from the day of publication.
    rules.publish_rule(rule, world.center.user)
    assert ConversionRule.get_by_id(rule.id).effective_from == dt.date(2027, 1, 1)
    # A new version cannot take effect in the past.
    page = world.center.post(f"/admin/center_rules/edit/?id={world.rule.id}",
                             data=form(world, effective_from=(dt.date.today() - dt.timedelta(days=1)).isoformat())
                             ).get_data(as_text=True)
    assert "新版本的生效日期不能早于今天" in page
    assert ConversionRule.get_by_id(world.rule.id).status == RuleStatus.PUBLISHED


def test_publishing_without_an_effective_date_starts_today(world):
    rule = rules.create_rule(world.college, world.center.user, [(world.source, None)], [(world.course_b, None)],
                             name="无日期", rule_type="nd2d", commitment_accepted=True)
    rules.publish_rule(rule, world.center.user)
    assert ConversionRule.get_by_id(rule.id).effective_from == dt.date.today()
    assert rule_versions.in_force(ConversionRule.get_by_id(rule.id))


def test_two_changes_at_once_make_one_version(world):
    """The second editor held the same version 1: refused, nothing half-written."""
    stale = ConversionRule.get_by_id(world.rule.id)
    rules.update_rule(world.rule, world.center.user, [(world.source, None)], [(world.course_b, None)], name="甲")
    with pytest.raises(rules.RuleError):
        rules.update_rule(stale, world.center.user, [(world.source, None)], [(world.course_a, None)], name="乙")
    assert [r.name for r in ConversionRule.select().order_by(ConversionRule.version)] == [
        "一级证书转计算机应用基础", "甲"]
