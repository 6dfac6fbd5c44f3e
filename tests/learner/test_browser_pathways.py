"""学分账户 in a real browser: a learner opens it, sees a complete pathway beside a
partial one, applies from the complete one, finds the application in their list, downloads the
verifiable credential of the achievement, and a visitor verifies the file at /verify."""
import os
import re
from decimal import Decimal

import pytest

from models import Application, ApplicationKind, ApplicationStatus, FrameworkLevel
from tests import factories
from tests.credentials.test_browser import visit_verify
from tests.learner.helpers import learner_with_point

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference")]


def shot(page, output_dir, name):
    page.screenshot(path=os.path.join(output_dir, f"pathways-{name}.png"), full_page=True)


def test_learner_opens_the_credit_account_and_applies_from_a_complete_pathway(page, browser, output_dir, tmp_path):
    level3 = FrameworkLevel.get(FrameworkLevel.level == 3)
    exam = factories.make_institution(name="教育部教育考试院")
    college = factories.make_institution(name="广东开放大学")
    level_one = factories.make_catalogue(name="全国计算机等级考试一级证书", institution=exam, credits=Decimal("4"),
                                         framework_level=level3)
    assistant = factories.make_catalogue(name="助理电子商务师", institution=exam, credits=Decimal("3"))
    basics = factories.make_catalogue("course", name="计算机应用基础", institution=college, credits=Decimal("3"))
    commerce = factories.make_catalogue("course", name="电子商务概论", institution=college, credits=Decimal("3"))
    complete = factories.make_rule([level_one], [basics], name="一级证书转计算机应用基础")
    partial = factories.make_rule([level_one, assistant], [commerce], name="一级证书与助理电子商务师转电子商务概论")
    learner = learner_with_point(username="chenxm")
    held = factories.make_achievement(learner, level_one)

    page.goto(page.base + "/login")
    page.fill("[name=identifier]", learner.username)
    page.fill("[name=password]", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/me/")
    page.click("nav >> text=学分账户")
    page.wait_for_url("**/me/credits")
    assert page.locator("h1").inner_text() == "学分账户"
    assert page.locator("[data-total-credits]").inner_text() == "4"
    assert page.locator("#credits-by-level tr[data-level='3'] [data-credits]").inner_text() == "4"
    done = page.locator(f"[data-pathway='{complete.id}']")
    assert done.locator("[data-state]").inner_text() == "可申请转换"
    half = page.locator(f"[data-pathway='{partial.id}']")
    assert half.locator("[data-state]").inner_text() == "已持有 1 / 2"
    assert half.locator("[data-held='0']").inner_text().startswith("✗ 缺少")
    assert half.locator("[data-apply]").count() == 0  # nothing to apply for while a source is missing
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(Credit|Pathway|Complete|Missing|Held|credits)\b", text), text  # all in Chinese
    shot(page, output_dir, "1-credit-account")

    done.locator("[data-apply]").click()
    page.wait_for_url(f"**/me/conversions/{held.id}/apply?rule={complete.id}")
    assert page.is_checked(f"#rule{complete.id}")  # the pathway's rule comes chosen
    shot(page, output_dir, "2-apply")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/me/conversions/{held.id}/progress")
    assert "提交成功" in page.content()
    application = Application.get(Application.learner == learner, Application.rule == complete)
    assert application.kind == ApplicationKind.CONVERSION and application.status == ApplicationStatus.PENDING
    assert "一级证书转计算机应用基础" in page.locator("main").inner_text() or complete.code in page.content()
    shot(page, output_dir, "3-progress")

    page.click("nav >> text=转换成果申请")
    row = page.locator(f"tr[data-achievement='{held.id}']")
    assert row.locator("[data-status]").inner_text() == "已申请"
    page.click("nav >> text=学分账户")
    assert "待审核" in page.locator(f"[data-pathway='{complete.id}']").inner_text()
    shot(page, output_dir, "4-applied")

    page.goto(page.base + f"/me/achievements/{held.id}")
    with page.expect_download() as started:
        page.click("a[data-credential]:has-text('下载可验证凭证')")
    credential = str(tmp_path / started.value.suggested_filename)
    started.value.save_as(credential)
    context, visitor = visit_verify(browser, page.base, credential)
    assert visitor.locator("[data-state-label]").inner_text() == "有效"
    assert "全国计算机等级考试一级证书" in visitor.locator("[data-facts]").inner_text()
    visitor.screenshot(path=os.path.join(output_dir, "pathways-5-credential-verified.png"), full_page=True)
    context.close()
