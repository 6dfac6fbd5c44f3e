"""The learner downloads verifiable credentials; a visitor checks the downloaded file at
/verify, end to end in Chromium."""
import os

import pytest

from models import AchievementStatus, LearnerAchievement
from tests import factories
from tests.credentials.test_credentials import passed_conversion
from tests.learner.helpers import learner_with_point

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference")]


def visit_verify(browser, base, path):
    """A visitor (no login, own cookies) uploads ``path`` at /verify; returns the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    visitor = context.new_page()
    visitor.goto(base + "/verify")
    visitor.set_input_files("#credential", path)
    with visitor.expect_navigation():
        visitor.click("button:has-text('验证凭证')")
    return context, visitor


def test_a_learner_downloads_credentials_and_a_visitor_verifies_the_files(page, browser, output_dir, tmp_path):
    learner = learner_with_point(real_name="陈晓明")
    exam = factories.make_institution(name="教育部教育考试院")
    catalogue = factories.make_catalogue(name="全国计算机等级考试一级证书", institution=exam,
                                         fields={"appraisal_body": "教育部教育考试院"})
    item = factories.make_achievement(learner, catalogue, status=AchievementStatus.RECOGNISED, stored_by=exam)
    application = passed_conversion(learner)

    page.goto(page.base + "/login")
    page.fill("[name=identifier]", learner.username)
    page.fill("[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/me/")
    page.goto(page.base + f"/me/achievements/{item.id}")
    page.screenshot(path=os.path.join(output_dir, "credential-achievement-page.png"), full_page=True)
    with page.expect_download() as started:
        page.click("a[data-credential]:has-text('下载可验证凭证')")
    achievement_file = str(tmp_path / started.value.suggested_filename)
    started.value.save_as(achievement_file)
    assert achievement_file.endswith(f"credential-achievement-{item.id}.jwt")

    page.goto(page.base + f"/me/achievements/{application.achievement_id}")
    with page.expect_download() as started:
        page.click(f"[data-application='{application.id}'] a[data-credential]")
    conversion_file = str(tmp_path / started.value.suggested_filename)
    started.value.save_as(conversion_file)

    context, visitor = visit_verify(browser, page.base, achievement_file)
    state = visitor.locator("[data-credential-state]")
    assert state.get_attribute("data-credential-state") == "valid"
    assert visitor.locator("[data-state-label]").inner_text() == "有效"
    facts = visitor.locator("[data-facts]").inner_text()
    for fact in ("陈晓明", "全国计算机等级考试一级证书", "教育部教育考试院", "广东终身教育学分银行"):
        assert fact in facts, fact
    visitor.screenshot(path=os.path.join(output_dir, "credential-verified-valid.png"), full_page=True)
    context.close()

    context, visitor = visit_verify(browser, page.base, conversion_file)
    assert visitor.locator("[data-state-label]").inner_text() == "有效"
    assert "电子商务概论" in visitor.locator("[data-facts]").inner_text()
    context.close()

    # The storing institution withdraws the achievement: the same file now shows 已撤销.
    LearnerAchievement.update(status=AchievementStatus.WITHDRAWN).where(LearnerAchievement.id == item.id).execute()
    context, visitor = visit_verify(browser, page.base, achievement_file)
    assert visitor.locator("[data-credential-state]").get_attribute("data-credential-state") == "revoked"
    assert visitor.locator("[data-state-label]").inner_text() == "已撤销"
    visitor.screenshot(path=os.path.join(output_dir, "credential-verified-revoked.png"), full_page=True)
    context.close()

    # A file that is not a credential gets a message on the form.
    junk = tmp_path / "notes.txt"
    junk.write_text("hello", encoding="utf-8")
    context, visitor = visit_verify(browser, page.base, str(junk))
    assert "凭证应为 JWT" in visitor.locator("[data-credential-error]").inner_text()
    visitor.screenshot(path=os.path.join(output_dir, "credential-verify-bad-file.png"), full_page=True)
    context.close()
