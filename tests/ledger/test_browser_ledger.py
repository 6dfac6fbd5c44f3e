"""The ledger in a real browser, by the Chinese labels people read: an institution withdraws
a learner's source achievement and everything the conversion granted is revoked where the
learner, a visitor and the receiving institution look; the center revokes a passed
conversion the same way; a learner withdraws a pending application and applies again."""
import os

import pytest

from models import Application, ApplicationStatus, LearnerAchievement
from services import ledger
from tests import factories
from tests.browser import log_in
from tests.ledger.conftest import convert

pytestmark = pytest.mark.browser


def total_credits(page):
    page.goto(page.base + "/me/credits")
    return float(page.locator("[data-total-credits]").inner_text())


def shot(page, output_dir, name, phone=False):
    if phone:
        page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=os.path.join(output_dir, f"ledger-{name}{'-390' if phone else ''}.png"), full_page=True)
    if phone:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_withdrawing_a_source_revokes_what_it_granted_everywhere(page, browser, ledger_world, output_dir, tmp_path):
    w = ledger_world
    first = convert(w, w.stored, w.rule)
    course = LearnerAchievement.get(LearnerAchievement.granted_by == first.id)
    page.on("dialog", lambda dialog: dialog.accept())

    log_in(page, w.learner)
    before = total_credits(page)
    page.goto(page.base + f"/me/achievements/{course.id}")
    with page.expect_download() as started:
        page.click("a[data-credential]:has-text('下载可验证凭证')")
    credential = str(tmp_path / started.value.suggested_filename)
    started.value.save_as(credential)

    log_in(page, w.a_admin)  # 学员成果 → 撤回, with the reason and its file
    page.goto(page.base + "/admin/inst_learner_achievements/")
    page.click(f"a[href*='withdraw'][href*='ids={w.stored.id}']")
    plan = page.locator(f"[data-plan='{w.stored.id}']").inner_text()
    assert "B学院统计学" in plan and "已撤销" in plan  # the confirmation says what goes with it
    shot(page, output_dir, "withdraw-confirmation")
    page.fill("textarea[name=reason]", "证书编号录入错误")
    page.set_input_files("input[name=reason_file]", files=[{"name": "说明.pdf", "mimeType": "application/pdf",
                                                            "buffer": factories.pdf_bytes()}])
    page.click("button:has-text('确认撤回')")
    page.wait_for_url("**/admin/inst_learner_achievements/")

    log_in(page, w.learner)
    after = total_credits(page)
    assert after == before - 4 - 3  # the certificate (withdrawn) and the course (revoked) no longer count
    shot(page, output_dir, "credits-after-withdrawal", phone=True)
    page.goto(page.base + f"/me/achievements/{course.id}")
    assert "已撤销" in page.locator("main").inner_text()
    page.goto(page.base + "/me/inbox")
    inbox = page.locator("main").inner_text()
    assert "转换已撤销" in inbox and "成果已撤回" in inbox
    shot(page, output_dir, "learner-inbox", phone=True)

    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(page.base + "/verify")
    visitor.set_input_files("#credential", credential)
    with visitor.expect_navigation():
        visitor.click("button:has-text('验证凭证')")
    assert visitor.locator("[data-state-label]").inner_text() == "已撤销"
    visitor.goto(page.base + f"/verify/{first.certificate_code}")
    revoked = visitor.locator("[data-revoked]").inner_text()
    assert "已撤销" in revoked and "证书编号录入错误" in revoked
    visitor.screenshot(path=os.path.join(output_dir, "ledger-certificate-revoked.png"), full_page=True)
    visitor.context.close()

    log_in(page, w.b_admin)  # the receiving institution's 我的消息
    page.goto(page.base + "/admin/inst_messages/")
    assert "转换已撤销" in page.locator("main").inner_text()


def test_the_center_revokes_a_passed_conversion(page, ledger_world, output_dir):
    w = ledger_world
    passed = convert(w, w.stored, w.rule)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, w.center)
    page.goto(page.base + "/admin/center_conversions/")
    shot(page, output_dir, "center-conversion-records")
    page.click(f"a[data-revoke='{passed.id}']")
    assert "B学院统计学" in page.locator("[data-plan]").inner_text()
    assert page.locator("textarea[name=reason]").get_attribute("required") is not None  # asked before posting
    page.fill("textarea[name=reason]", "审核材料不实")
    shot(page, output_dir, "center-revoke-confirmation", phone=True)
    page.click("button[data-confirm-revoke]")
    page.wait_for_url("**/admin/center_conversions/")
    assert "转换已撤销" in page.locator("main").inner_text()
    assert Application.get_by_id(passed.id).status == ApplicationStatus.REVOKED
    log_in(page, w.learner)
    page.goto(page.base + "/me/credits")
    card = page.locator(f"[data-pathway='{w.rule.id}']")
    assert card.get_attribute("data-pathway-state") == "revoked" and "已撤销" in card.inner_text()


def test_a_learner_withdraws_a_pending_application_and_applies_again(page, ledger_world, output_dir):
    w = ledger_world
    application = ledger.submit_conversion(w.stored, w.rule, w.learner)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, w.learner)
    page.goto(page.base + f"/me/conversions/{w.stored.id}/progress")
    shot(page, output_dir, "progress-with-withdraw", phone=True)
    page.click(f"button[data-withdraw-application='{application.id}']")
    assert "申请已撤回" in page.locator("main").inner_text()
    assert Application.get_by_id(application.id).status == ApplicationStatus.WITHDRAWN
    page.goto(page.base + "/me/credits")
    card = page.locator(f"[data-pathway='{w.rule.id}']")
    assert card.get_attribute("data-pathway-state") == "open"
    card.locator("a[data-apply]").click()
    page.check(f"input[name=rule][value='{w.rule.id}']")
    page.click("button:has-text('提交')")
    page.wait_for_url(f"**/me/conversions/{w.stored.id}/progress")
    assert Application.select().where(Application.achievement == w.stored,
                                      Application.status == ApplicationStatus.PENDING).count() == 1
