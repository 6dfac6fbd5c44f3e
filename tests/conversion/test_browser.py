"""In a real browser: institution A's published rule has institution B's achievement as its
source; B batch-applies for 3 of its 4 learners holding it; A reviews the batch in 机构发起,
passes 2 and refuses 1 with a reason; the learners see the result in /me; 转换记录 on both
sides shows the statuses; A exports its 机构接收 records after an SMS code."""
import datetime as dt
import os

import openpyxl
import pytest
from playwright.sync_api import expect

from models import AchievementSource, Application, ApplicationStatus, ConversionBatch, LearnerAchievement
from tests import factories
from tests.reviews.test_browser_review import log_in

pytestmark = pytest.mark.browser


def shot(page, output_dir, name):
    page.screenshot(path=os.path.join(output_dir, f"conversion-{name}.png"), full_page=True)


def test_batch_conversion_end_to_end(page, reference, output_dir, tmp_path):
    a = factories.make_institution(name="长沙理工大学")
    b = factories.make_institution(name="新疆美食培训学院")
    a_admin = factories.make_user("institution", institution=a, real_name="长理管理员")
    b_admin = factories.make_user("institution", institution=b, real_name="新疆管理员")
    source = factories.make_catalogue("inst_he_diploma", institution=b, name="经济统计学毕业证书(本科)")
    target = factories.make_catalogue("course", institution=a, name="学习成果名录3(高级)")
    rule = factories.make_rule([source], [target], institution=a, code="202203010003")
    learners = []
    for n, name in enumerate(["李毅", "李二", "王三", "赵四"], 1):
        learner = factories.make_learner(real_name=name, added_by_institution=b)
        factories.make_achievement(learner, source, source=AchievementSource.INSTITUTION, stored_by=b,
                                   personal_code=f"cs{n:05d}", obtained_on=dt.date(2022, 3, 1))
        learners.append(learner)

    # B: 与我相关的转换规则 › 申请转换 › 批量选择学员 — tick 3 of the 4.
    log_in(page, b_admin)
    page.goto(page.base + f"/admin/inst_batch/apply/{rule.id}/")
    assert page.locator("tr[data-learner]").count() == 4
    for name in ("李毅", "李二", "王三"):
        page.check(f"tr[data-learner='{name}'] input[name=ids]")
    shot(page, output_dir, "1-batch-apply")
    confirms = []
    page.once("dialog", lambda dialog: (confirms.append(dialog.message), dialog.accept()))
    page.click("[data-action=apply]")
    page.wait_for_url("**/admin/inst_records_out/")
    assert "共选择学员3名" in confirms[0]
    assert "已为3名学员发起成果转换申请" in page.content()
    shot(page, output_dir, "2-b-records-initiated")
    batch = ConversionBatch.get()
    assert Application.select().where(Application.batch == batch).count() == 3

    # A: 转换申请审核 › 机构发起 › 审核 → 查看学员; pass 2, refuse 1 with a reason.
    log_in(page, a_admin)
    page.goto(page.base + "/admin/inst_conv_review/")
    page.click("[data-tab=inst_conv_batches]")
    page.wait_for_url("**/admin/inst_conv_batches/")
    assert "新疆美食培训学院" in page.content() and "202203010003" in page.content()
    shot(page, output_dir, "3-a-review-batches")
    page.click("[data-action=review-batch]")
    page.wait_for_url(f"**/review/{batch.id}/")
    shot(page, output_dir, "4-a-batch-learners")
    for name in ("李毅", "李二"):
        page.check(f"tr[data-learner='{name}'] input.action-checkbox")
    page.click("[data-action=review]")
    page.wait_for_selector("[data-chosen='2']")
    page.check("input[value=pass]")
    page.click("[data-action=submit-decision]")
    page.wait_for_url(f"**/review/{batch.id}/")
    assert page.locator("tr[data-learner]").count() == 1
    page.click("[data-action=review]")  # none ticked: every learner still listed (王三)
    page.wait_for_selector("[data-chosen='1']")
    page.check("input[value=fail]")
    page.click("[data-action=submit-decision]")  # no reason: refused with a message
    page.wait_for_selector(".invalid-feedback")
    page.wait_for_load_state()
    page.fill("textarea[name=reason]", "颁证日期与学籍信息不符")
    expect(page.locator("[data-counter-of=reason]")).to_have_text(str(len("颁证日期与学籍信息不符")))
    shot(page, output_dir, "5-a-decide-refuse")
    page.click("[data-action=submit-decision]")
    page.wait_for_url(f"**/review/{batch.id}/")
    page.click("[data-tab=done]")
    shot(page, output_dir, "6-a-batch-reviewed")
    statuses = {a.learner.real_name: a.status for a in Application.select().where(Application.batch == batch)}
    assert statuses == {"李毅": ApplicationStatus.PASSED, "李二": ApplicationStatus.PASSED,
                        "王三": ApplicationStatus.REFUSED}

    # 转换记录 › 机构接收 on A's side, then 导出 after an SMS code.
    page.goto(page.base + "/admin/inst_records/")
    content = page.content()
    assert content.count("审核通过") >= 2 and "审核不通过" in content
    shot(page, output_dir, "7-a-records-received")
    page.click("[data-excel=export]")
    page.wait_for_load_state()
    page.click(".js-send-code")
    page.wait_for_selector(".js-code-result:not(:empty)")
    shot(page, output_dir, "8-a-export-code")
    page.wait_for_selector(".js-dev-code:not(.d-none)")
    page.fill("input[name=code]", page.inner_text(".js-dev-code").strip())
    shot(page, output_dir, "8-a-export")
    page.click("[data-excel=submit]")  # the export is a job: its page shows progress, then the file
    page.wait_for_selector("[data-job=done]:not(.d-none)")
    shot(page, output_dir, "8-a-export-job")
    with page.expect_download() as download_info:
        page.click("[data-job=result]")
    exported = tmp_path / "records.xlsx"
    download_info.value.save_as(exported)
    rows = list(openpyxl.load_workbook(exported).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("规则编码", "学员姓名", "身份证号") and len(rows) == 4
    assert {row[1] for row in rows[1:]} == {"李毅", "李二", "王三"}

    # B's 转换记录 › 机构发起 shows the same statuses.
    log_in(page, b_admin)
    page.goto(page.base + "/admin/inst_records_out/")
    content = page.content()
    assert content.count("审核通过") >= 2 and "审核不通过" in content
    page.click(f"a[data-history='{Application.get(Application.learner == learners[2]).id}']")
    assert "颁证日期与学籍信息不符" in page.content()
    shot(page, output_dir, "9-b-records-history")

    # The learners: the target in /me (passed), the refusal in 转换成果申请 (refused).
    log_in(page, learners[0])
    assert "学习成果名录3(高级)" in page.content()
    shot(page, output_dir, "10-learner-passed")
    assert LearnerAchievement.select().where(LearnerAchievement.learner == learners[0]).count() == 2
    log_in(page, learners[2])
    assert "学习成果名录3(高级)" not in page.content()
    refused = Application.get(Application.learner == learners[2])
    page.goto(page.base + f"/me/conversions/{refused.achievement_id}/progress")  # 进度查询
    assert "审核不通过" in page.content() and "颁证日期与学籍信息不符" in page.content()
    shot(page, output_dir, "11-learner-refused")
    page.goto(page.base + "/me/inbox")
    assert "颁证日期与学籍信息不符" in page.content()
