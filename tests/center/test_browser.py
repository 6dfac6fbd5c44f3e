"""Center staff add a catalogue achievement in the admin; a learner finds it in 成果选择 (Debian chromium)."""
import os

import pytest

from models import CatalogueAchievement
from tests import factories
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference")]


def test_center_adds_a_catalogue_achievement_and_the_learner_finds_it(page, output_dir):
    center = factories.make_user("center", username="zhongxin")
    factories.make_institution(name="华为技术有限公司", kind="training")
    learner = factories.make_learner(username="xuexizhe")
    category = factories.category("qualification")

    log_in(page, center)
    page.goto(page.base + "/admin/catalogue/")
    page.click("a[href*='/admin/catalogue/new/']")
    page.click(f"a[href*='category={category.id}']")
    page.fill("[name=project_name]", "HCIA认证")
    page.fill("[name=name]", "HCIA-Cloud Computing华为认证云计算工程师")
    page.select_option("[name=institution]", label="华为技术有限公司")
    page.fill("[name=f_appraisal_body]", "华为技术有限公司")
    page.fill("[name=f_certificate_level]", "初级")
    page.fill("[name=f_occupation]", "云计算工程师")
    page.fill("[name=f_education]", "不限")
    page.fill("[name=credits]", "4")
    page.click("[data-action=save-catalogue]")
    page.wait_for_selector("[data-readonly]")
    assert "已保存成果不可修改" in page.content()
    catalogue_achievement = CatalogueAchievement.get(CatalogueAchievement.project_name == "HCIA认证")
    assert catalogue_achievement.fields["certificate_level"] == "初级"
    page.context.clear_cookies()

    log_in(page, learner)
    page.wait_for_url("**/me/")
    page.goto(page.base + f"/me/achievements/new?category={category.id}")
    page.click("button[data-target='#picker']")
    page.fill("#pick-institution", "华为")
    page.click("#pick-search")
    row = "#pick-rows tr:has-text('HCIA-Cloud Computing华为认证云计算工程师')"
    page.wait_for_selector(row)
    assert "HCIA认证" in page.inner_text(row) and "华为技术有限公司" in page.inner_text(row)
    page.check(f"{row} input[type=radio]")
    page.click("#pick-confirm")
    assert page.input_value("#cat-name") == "HCIA-Cloud Computing华为认证云计算工程师"
    assert page.input_value("#cat-certificate_level") == "初级"
    page.wait_for_selector("#picker", state="hidden")
    page.screenshot(path=os.path.join(output_dir, "center-catalogue-in-learner-picker.png"), full_page=True)


def test_the_dashboard_draws_both_charts_with_the_local_library(page, output_dir):
    from tests.center.test_dashboard import build_history

    build_history()
    log_in(page, factories.make_user("center", username="zhongxin2"))
    page.goto(page.base + "/admin/")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-months') && Chart.getChart('chart-rates')")
    months = page.evaluate("() => Chart.getChart('chart-months').data.labels")
    assert months == ["2026-09", "2026-10"]
    page.screenshot(path=os.path.join(output_dir, "center-dashboard.png"), full_page=True)


def test_center_makes_a_rule_choosing_sources_and_targets_by_search(page, output_dir):
    from models import ConversionRule, RuleSource, RuleTarget

    college = factories.make_institution(name="广东开放大学")
    factories.make_method(college)
    source = factories.make_catalogue(project_name="全国计算机等级考试", name="全国计算机等级考试一级证书")
    target = factories.make_catalogue("course", name="计算机应用基础", institution=college)
    log_in(page, factories.make_user("center", username="zhongxin3"))
    page.goto(page.base + "/admin/center_rules/new/")
    # First time: the 信息发布安全承诺书, whose button is enabled after 4 s.
    assert page.is_disabled("#commitment-accept")
    page.click("#commitment-accept")
    page.select_option("[name=institution]", label="广东开放大学")
    page.fill("[name=name]", "一级证书转计算机应用基础")
    # The pickers: 源成果 (0), 专业 (1), 课程 (2).
    for index, (term, label) in [(0, ("等级考试", "全国计算机等级考试一级证书")), (2, ("开放大学", "计算机应用基础"))]:
        page.click(f".select2-container >> nth={index}")
        page.keyboard.type(term)
        page.click(f".select2-results li:has-text('{label}')")
    page.check("[name=commitment]")
    page.click("[data-action=save-rule]")
    page.wait_for_selector("[data-status]")
    rule = ConversionRule.get()
    assert [s.catalogue_id for s in RuleSource.select().where(RuleSource.rule == rule)] == [source.id]
    assert [t.catalogue_id for t in RuleTarget.select().where(RuleTarget.rule == rule)] == [target.id]
    assert rule.code in page.content() and "未提交" in page.inner_text("[data-status]")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[value=publish]")
    page.wait_for_selector("button[value=take_down]")
    assert ConversionRule.get_by_id(rule.id).status == "published" and "已发布" in page.inner_text("[data-status]")
    page.screenshot(path=os.path.join(output_dir, "center-rule-created.png"), full_page=True)
