"""A person's review journey in a real browser: initial review with the evidence image
viewed large, final review, and the learner sees the converted achievement."""
import io
import os

import pytest
from werkzeug.datastructures import FileStorage

from services import ledger
from services.files import storage
from tests import factories
from tests.browser import log_in

pytestmark = pytest.mark.browser
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00"
    b"\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_initial_and_final_review_in_a_browser(page, reference, output_dir):
    point = factories.make_teaching_point(name="广州教学点")
    learner = factories.make_learner(teaching_point=point, real_name="陈晓明")
    reviewer = factories.make_user("reviewer", institution=point, real_name="李老师")
    committee = factories.make_user("committee", real_name="周教授")
    source = factories.make_catalogue("training", name="云计算平台运维与开发中级工程师")
    target = factories.make_catalogue("course", name="容器技术与应用")
    held = factories.make_achievement(learner, source)
    evidence = storage.save_upload(FileStorage(io.BytesIO(PNG), filename="证书.png"), "learner_achievement", held.id)
    application = ledger.submit_conversion(held, factories.make_rule([source], [target]), learner)

    log_in(page, reviewer)
    page.goto(page.base + "/admin/initial_review/")
    page.click(f"a[href$='/review/{application.id}']")
    image = page.locator(f"img[src='/files/{evidence.id}']")
    image.wait_for(state="visible")  # the evidence image is shown on the review page
    with page.context.expect_page() as large:  # 查看大图 opens the file in a new tab
        image.click()
    assert large.value.url.endswith(f"/files/{evidence.id}")
    large.value.close()
    # The pre-filled opinion follows the decision until the reviewer edits it.
    page.check("input[value=disagree]")
    assert page.input_value("textarea[name=opinion]").endswith("意见：不同意")
    page.check("input[value=agree]")
    assert page.input_value("textarea[name=opinion]").endswith("意见：同意")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#review-form button[type=submit]")
    page.wait_for_url("**/?tab=done")  # back on the list, on the 已审核 tab
    assert "审核成功" in page.content()

    log_in(page, committee)
    page.goto(page.base + "/admin/final_review/")
    page.click(f"a[href$='/review/{application.id}']")
    assert "审核人：学分银行管理中心 周教授" in page.input_value("textarea[name=opinion]")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#review-form button[type=submit]")
    page.wait_for_url("**/?tab=done")  # back on the list, on the 已审核 tab
    assert "审核成功" in page.content()

    log_in(page, learner)
    page.goto(page.base + "/me/")
    assert "容器技术与应用" in page.content()
    page.screenshot(path=os.path.join(output_dir, "reviews-learner-sees-converted.png"), full_page=True)
