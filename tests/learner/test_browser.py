"""A person's journeys through the learner area in a real browser (Debian chromium)."""
import os
import re

import pytest

from models import AccountStatus, AchievementStatus, Application, ApplicationStatus, LearnerAchievement, User
from services.records.validators import id_check_char
from tests import factories
from tests.learner.helpers import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference")]


@pytest.fixture
def evidence_file(tmp_path):
    path = tmp_path / "证书照片.png"
    path.write_bytes(png_bytes())
    return str(path)


def test_register_add_a_catalogue_certificate_and_apply_for_conversion(page, output_dir, evidence_file):
    factories.make_teaching_point(name="广州天河教学点")
    exam = factories.make_institution(name="教育部教育考试院")
    source = factories.make_catalogue(project_name="全国计算机等级考试", name="全国计算机等级考试一级证书", institution=exam,
                                      fields={"appraisal_body": "教育部教育考试院", "certificate_level": "一级"})
    target = factories.make_catalogue(category_code="course", name="计算机应用基础",
                                      institution=factories.make_institution(name="广东开放大学"))
    rule = factories.make_rule([source], [target], name="一级证书转计算机应用基础")

    page.goto(page.base + "/login")
    page.click("text=立即注册")
    page.click("text=同意服务条款，下一步")
    first17 = "44010619950512102"  # 17th digit even: a woman
    for name, value in {"username": "wangfang88", "real_name": "王芳", "password": "Study2024",
                        "confirm": "Study2024", "id_number": first17 + id_check_char(first17),
                        "birth_date": "1995-05-12", "address": "天河路1号", "phone": "13912345678", "email": "wf@example.com"}.items():
        page.fill(f"[name={name}]", value)
    page.select_option("[name=gender]", "female")
    page.select_option("[name=province]", "广东省")  # the cities, then the districts, follow
    page.wait_for_selector("[name=city] option[value='广州市']", state="attached")
    page.select_option("[name=city]", "广州市")
    page.wait_for_selector("[name=district] option[value='天河区']", state="attached")
    page.select_option("[name=district]", "天河区")
    page.select_option("[name=teaching_point]", label="广州天河教学点")
    page.click("text=获取验证码")
    code = page.wait_for_selector(".js-dev-code:not(.d-none)").inner_text()
    page.fill("[name=sms_code]", code.strip())
    page.click("button:has-text('保存')")
    page.wait_for_url("**/me/")
    assert "注册成功" in page.content()

    with page.expect_navigation():  # the category selects work once the page's script has run
        page.click("nav >> text=成果添加")
    with page.expect_navigation():  # choosing a broad category reloads the form with its subcategories
        page.select_option("#root", label="职业资格证书")
    page.wait_for_selector("#subcategory option:has-text('职业资格证书')", state="attached")
    with page.expect_navigation():  # choosing a subcategory reloads the form for it
        page.select_option("#subcategory", label="职业资格证书")
    page.wait_for_selector("#cat-name")
    page.click("button[data-target='#picker']:has-text('搜索')")
    page.fill("#pick-name", "一级")
    page.click("#pick-search")
    page.wait_for_selector("#pick-rows tr:has-text('全国计算机等级考试一级证书') input[type=radio]")
    page.check("#pick-rows tr:has-text('全国计算机等级考试一级证书') input[type=radio]")
    page.click("#pick-confirm")
    assert page.input_value("#cat-name") == "全国计算机等级考试一级证书"
    assert page.input_value("#cat-appraisal_body") == "教育部教育考试院"
    page.fill("[name=f_certificate_no]", "NCRE-2021-001")
    page.fill("[name=f_obtained_on]", "2021-06-30")
    page.set_input_files("[name=evidence]", evidence_file)
    page.wait_for_selector(".js-preview-box img")
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url(re.compile(r"/me/achievements/\d+$"))  # the new achievement's page
    assert "名录成果" in page.content()

    page.click("nav >> text=转换成果申请")
    conversion_list = page.url
    page.check("input[type=radio][name=id]")
    # When the dialog cannot be loaded (here an achievement that is not hers) the full
    # page opens and says why, instead of nothing happening.
    page.eval_on_selector("input[name=id]:checked",
                          "e => e.dataset.applyUrl = e.dataset.applyUrl.replace(/conversions\\/\\d+/, 'conversions/999999')")
    page.click("button:has-text('申请转换')")
    page.wait_for_url("**/conversions/999999/apply")
    page.goto(conversion_list)
    page.check("input[type=radio][name=id]")
    page.click("button:has-text('申请转换')")
    page.wait_for_selector(f"#apply-dialog.show #rule{rule.id}")  # the form opens in a dialog
    page.check(f"#rule{rule.id}")
    page.set_input_files("#apply-dialog [name=materials]", evidence_file)
    page.wait_for_selector("#apply-dialog .js-preview-box img")
    page.click("#apply-dialog button:has-text('提交')")
    page.wait_for_url("**/progress")
    body = page.content()
    assert "提交成功" in body and "待转换初审" in body and "暂无审核记录" in body
    learner = User.get(User.username == "wangfang88")
    application = Application.get(Application.learner == learner)
    assert application.status == ApplicationStatus.PENDING and application.rule_id == rule.id
    page.screenshot(path=os.path.join(output_dir, "learner-register-add-convert.png"), full_page=True)


def test_an_imported_learner_activates_and_logs_in_with_the_id_number(page, output_dir):
    learner = factories.make_learner(real_name="陈导入", username=None, password=None, phone="13755556666",
                                     status=AccountStatus.INACTIVE)
    page.goto(page.base + "/login")
    page.click("text=去激活账号")
    page.fill("[name=id_number]", learner.id_number)
    page.click("button:has-text('下一步')")
    page.wait_for_selector("text=验证码将发送至")  # nothing tells whether the account exists
    assert "6666" not in page.content() and "陈导入" not in page.content()
    page.click("button:has-text('获取验证码')")
    code = page.locator(".js-dev-code").inner_text().strip()
    page.fill("[name=sms_code]", code)
    page.fill("[name=password]", "Active2024")
    page.fill("[name=confirm]", "Active2024")
    page.click("button:has-text('激活')")
    page.wait_for_selector("text=激活成功")
    page.click("main a.btn:has-text('登录')")
    page.fill("[name=identifier]", learner.id_number)
    page.fill("[name=password]", "Active2024")
    page.click("button[type=submit]")
    page.wait_for_url("**/me/")
    assert "陈导入" in page.content()
    assert User.get_by_id(learner.id).status == AccountStatus.ACTIVE
    page.screenshot(path=os.path.join(output_dir, "learner-activate-login.png"), full_page=True)


def test_on_a_phone_the_email_activation_and_a_login_code(page, output_dir):
    """390 px wide: an imported learner without a phone asks for e-mail activation (the page
    answers as it would for any ID number), and an account whose logins from this address
    failed logs in with a code."""
    page.set_viewport_size({"width": 390, "height": 844})
    imported = factories.make_learner(real_name="周无机", username=None, password=None, phone=None,
                                      status=AccountStatus.INACTIVE)
    page.goto(page.base + "/activate")
    page.fill("[name=id_number]", imported.id_number)
    page.click("button:has-text('下一步')")
    page.click("[data-step=to-email]")
    page.fill("[name=email]", "zhou@example.cn")
    page.fill("[name=password]", "Active2024")
    page.fill("[name=confirm]", "Active2024")
    page.click("button:has-text('激活')")
    page.wait_for_selector("[data-activation=received]")
    assert "周无机" not in page.content()
    page.screenshot(path=os.path.join(output_dir, "learner-activate-email-390.png"), full_page=True)
    learner = factories.make_learner(username="liu390")
    page.goto(page.base + "/login")
    for _ in range(6):
        page.fill("[name=identifier]", "liu390")
        page.fill("[name=password]", "Wrong2024x")
        page.click("button[type=submit]")
    page.wait_for_selector("[name=sms_code]")
    page.click("button:has-text('获取验证码')")
    page.wait_for_selector(".js-dev-code:not(:empty)")
    page.fill("[name=sms_code]", page.inner_text(".js-dev-code").strip()[-6:])
    page.fill("[name=identifier]", "liu390")
    page.fill("[name=password]", factories.PASSWORD)
    page.screenshot(path=os.path.join(output_dir, "login-code-390.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_url("**/me/")
    assert User.get_by_id(learner.id).last_login_at is not None


def test_add_an_informal_achievement_and_submit_it_for_recognition(page, output_dir, evidence_file):
    learner = factories.make_learner(real_name="赵业绩", teaching_point=factories.make_teaching_point())
    page.goto(page.base + "/login")
    page.fill("[name=identifier]", learner.username)
    page.fill("[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/me/")
    page.goto(page.base + "/me/achievements/new")
    with page.expect_navigation():
        page.select_option("#root", label="其他类_培训业绩等")
    page.wait_for_selector("#subcategory option:has-text('业绩类-竞赛奖励')", state="attached")
    with page.expect_navigation():
        page.select_option("#subcategory", label="业绩类-竞赛奖励")
    page.wait_for_selector("[name=name]")
    page.fill("[name=name]", "广东省职业技能大赛三等奖")
    page.fill("[name=f_completed_by]", "广东省人社厅")
    page.fill("[name=f_obtained_on]", "2022-11-20")
    page.set_input_files("[name=evidence]", evidence_file)
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url(re.compile(r"/me/achievements/\d+$"))  # the new achievement's page
    assert "未申请" in page.content()

    page.click("nav >> text=认定成果申请")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('提交认定')")
    page.wait_for_selector(".alert-success")
    assert "认定中" in page.content()
    row = LearnerAchievement.get(LearnerAchievement.learner == learner)
    assert row.status == AchievementStatus.UNDER_REVIEW
    page.screenshot(path=os.path.join(output_dir, "learner-informal-recognition.png"), full_page=True)

    # The same area on a phone-sized screen: nothing wider than the viewport.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base + "/me/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=os.path.join(output_dir, "learner-home-390px.png"), full_page=True)
