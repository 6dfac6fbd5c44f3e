"""In a real browser (Debian chromium): institution A reads the 信息发布安全承诺书, uploads and
publishes its conversion method, drafts and publishes a rule whose source is institution
B's achievement; B finds it under 与我相关的转换规则 and views it."""
import os

import pytest

from models import ConversionMethod, ConversionRule, PublishStatus, Role, RuleSource, RuleStatus
from tests import factories
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference")]

PDF = factories.pdf_bytes()  # uploads are parsed: a real one-page PDF


def shot(page, output_dir, name):
    page.screenshot(path=os.path.join(output_dir, f"rules-{name}.png"), full_page=True)


def pick(page, index, term, label):
    page.click(f".select2-container >> nth={index}")
    page.keyboard.type(term)
    page.click(f".select2-results li:has-text('{label}')")
    # The choice closes the list; its mask covers the page until then (on a loaded
    # machine the next click landed on it).
    page.locator("#select2-drop-mask").wait_for(state="hidden")


def test_a_publishes_a_method_and_a_rule_that_b_finds_related(page, output_dir, tmp_path):
    a = factories.make_institution(name="广东理工职业学院")
    b = factories.make_institution(name="长沙理工大学")
    a_admin = factories.make_user(Role.INSTITUTION, institution=a, username="gdlg")
    b_admin = factories.make_user(Role.INSTITUTION, institution=b, username="cslg")
    b_diploma = factories.make_catalogue("inst_he_diploma", institution=b, name="经济统计学专业毕业证书(普通高等教育)",
                                         credits=160)
    factories.make_catalogue("inst_other_cert", institution=a, name="统计实务培训证书", credits=6)
    method_pdf = tmp_path / "广东理工职业学院转换办法.pdf"
    method_pdf.write_bytes(PDF)

    log_in(page, a_admin)
    # 转换规则管理 before any method: it says so, with a link.
    page.goto(page.base + "/admin/inst_rules/")
    assert page.is_visible("[data-missing-method] a[href$='/admin/inst_methods/new/']")
    page.click("[data-missing-method] a")
    # The commitment, first time: the button is enabled after 4 s only.
    page.wait_for_selector("#security-commitment")
    assert page.is_disabled("#commitment-accept") and not page.is_visible("[name=name]")
    shot(page, output_dir, "1-commitment")
    page.click("#commitment-accept")
    page.fill("[name=name]", "广东理工职业学院学分转换办法")
    page.set_input_files("[name=file]", str(method_pdf))
    page.check("[name=commitment]")
    page.click("button[value=publish]")
    page.wait_for_selector("[data-list=methods]")
    method = ConversionMethod.get()
    assert method.status == PublishStatus.PUBLISHED and method.institution_id == a.id
    assert "已发布" in page.inner_text(f"[data-method='{method.id}'] [data-status]")
    shot(page, output_dir, "2-method-published")

    # 转换规则制定: 学历转非学历, source = B's diploma, target = A's certificate + 免考模块.
    page.goto(page.base + "/admin/inst_rules/")
    page.click("[data-action=draft-rule]")
    assert not page.is_visible("#security-commitment")  # read once is enough
    page.select_option("[name=rule_type]", "d2nd")
    page.fill("[name=name]", "经济统计学毕业证书转统计实务培训证书")
    pick(page, 0, "经济统计", "经济统计学专业毕业证书")
    pick(page, 3, "统计实务", "统计实务培训证书")  # 0 源成果, 1 专业, 2 课程 (hidden), 3 非学历成果
    page.fill("[name=modules-0-name]", "实操")
    page.fill("[name=modules-0-credits]", "2")
    page.fill("[name=modules-1-name]", "机考")
    page.fill("[name=modules-1-credits]", "2")
    page.fill("textarea[name=description]", "持有经济统计学毕业证书者，统计实务培训证书的实操、机考模块免考。")
    page.check("[name=commitment]")
    shot(page, output_dir, "3-rule-form")
    page.click("[data-action=publish-rule]")
    page.wait_for_selector("[data-interpretation]")
    rule = ConversionRule.get()
    assert rule.status == RuleStatus.PUBLISHED and rule.rule_type == "d2nd"
    assert [s.catalogue_id for s in RuleSource.select().where(RuleSource.rule == rule)] == [b_diploma.id]
    assert "本转换规则的解释权归广东理工职业学院所有" in page.inner_text("[data-interpretation]")
    shot(page, output_dir, "4-rule-details")
    page.goto(page.base + "/admin/inst_rules/")
    assert "实操 (2学分)、机考 (2学分)" in page.inner_text(f"[data-rule='{rule.id}']")
    shot(page, output_dir, "5-my-rules")

    # B: the rule uses B's achievement as its source → 与我相关的转换规则.
    page.context.clear_cookies()
    log_in(page, b_admin)
    page.goto(page.base + "/admin/inst_rules/")
    assert page.locator("[data-rule]").count() == 0
    page.click("[data-tab=related]")
    page.wait_for_selector(f"[data-rule='{rule.id}']")
    row = page.inner_text(f"[data-rule='{rule.id}']")
    assert rule.code in row and "经济统计学专业毕业证书" in row and "广东理工职业学院" in row
    shot(page, output_dir, "6-related-to-b")
    page.click(f"[data-rule='{rule.id}'] [data-action=view]")
    page.wait_for_selector("[data-interpretation]")
    assert "本转换规则的解释权归广东理工职业学院所有" in page.inner_text("[data-interpretation]")
    shot(page, output_dir, "7-related-details")
