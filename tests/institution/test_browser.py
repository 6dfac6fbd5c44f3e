"""In a real browser: register an institution, store an institution achievement, import
5 learners from the downloaded template with one bad row, see 4 imported and download
the failure workbook."""
import os

import openpyxl
import pytest

from models import AccountStatus, Institution, InstitutionKind, LearnerAchievement, User
from services.records import institutions as registrations
from tests import factories
from tests.institution.test_account import INFO

pytestmark = pytest.mark.browser


def test_register_store_and_import_learners(page, output_dir, reference, tmp_path):
    department = factories.make_institution(InstitutionKind.PROVINCE_DEPT, name="广东省教育厅")
    factories.make_institution(InstitutionKind.PROVINCE_DEPT, name="湖南省教育厅")
    college = factories.make_institution(name="广州番禺职业技术学院", department=department, school_code="G12046")

    # 注册院校用户
    page.goto(page.base + "/institution/register")
    page.select_option("select[name=department]", str(department.id))
    page.select_option("select[name=institution]", str(college.id))
    page.fill("input[name=school_code]", "G12046")
    page.fill("input[name=password]", "Panyu2022")
    page.fill("input[name=confirm]", "Panyu2022")
    page.fill("input[name=phone]", "13522223333")
    page.click(".js-send-code")
    page.wait_for_selector(".js-dev-code:not(.d-none)")
    page.fill("input[name=sms_code]", page.inner_text(".js-dev-code").strip())
    page.check("input[name=agree]")
    page.click("button[type=submit]")
    page.wait_for_url("**/institution/register/registrant")
    page.fill("input[name=name]", "陈注册")
    page.fill("input[name=id_number]", factories.valid_id_number())
    page.click("button[value=submit]")
    page.wait_for_url("**/institution/register/info")
    for name, value in INFO.items():
        if name == "school_type":
            page.select_option("select[name=school_type]", value)
        elif value:
            page.fill(f"[name={name}]", value)
    page.click("button[value=submit]")
    page.wait_for_url("**/institution/register/done")
    assert page.inner_text("[data-login-account]") == "G12046"
    assert page.locator("[data-registration-status=pending]").is_visible()  # the center reviews it first
    registrations.approve_institution(Institution.get_by_id(college.id), factories.make_user("center"))
    page.goto(page.base + "/admin/")
    page.wait_for_url("**/admin/")

    # 存储新成果: pick the type, fill its form
    page.click("text=存储机构成果")
    page.click("text=职业教育学历证书")
    page.fill("input[name=name]", "计算机应用技术毕业证书(高职)")
    page.select_option("select[name=f_level]", "专科(高职)")
    for name, value in (("f_discipline", "工学"), ("f_major_class", "计算机类"), ("f_major", "计算机应用技术"),
                        ("f_duration_years", "3"), ("f_hours", "2600"), ("f_credits", "150"),
                        ("f_min_credits", "140"), ("intro", "三年制高职")):
        page.fill(f"[name={name}]", value)
    page.select_option("select[name=f_conclusion]", "毕业")
    page.click("[data-action=store]")
    page.wait_for_url("**/inst_achievements/details/**")
    assert "计算机类" in page.content()

    # 存储学员成果 → 选择 → 导入学员 with the downloaded template
    page.goto(page.base + "/admin/inst_learner_achievements/store/")
    page.click("[data-action=choose]")
    page.click("text=导入学员")
    with page.expect_download() as download_info:
        page.click("[data-excel=template]")
    assert "target=" in download_info.value.url and "csrf_token" not in download_info.value.url
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    book = openpyxl.load_workbook(template)
    sheet = book.active
    header = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), 1) if "学员姓名" in str(row))
    good = [factories.valid_id_number() for _ in range(4)]
    rows = [(f"学员{i}", id_number, f"P{i:03d}", "2022-06-30") for i, id_number in enumerate(good)]
    rows.insert(2, ("坏行学员", "440106199001011234", "P999", "2022-06-30"))  # wrong check digit
    for offset, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            sheet.cell(row=header + offset, column=column, value=value)
    upload = tmp_path / "learners.xlsx"
    book.save(upload)
    page.set_input_files("input[name=file]", str(upload))
    page.click("[data-excel=submit]")
    page.wait_for_selector("[data-excel=counts]")
    counts = page.inner_text("[data-excel=counts]")
    assert "数据4条" in counts and "数据1条" in counts
    with page.expect_download() as failed_info:
        page.click("[data-excel=rejected]")
    failed = tmp_path / "failed.xlsx"
    failed_info.value.save_as(failed)
    cells = [c for row in openpyxl.load_workbook(failed).active.iter_rows(values_only=True) for c in row if c]
    assert "坏行学员" in cells
    page.screenshot(path=os.path.join(output_dir, "institution-import-learners.png"), full_page=True)

    imported = User.select().where(User.id_number.in_(good))
    assert imported.count() == 4 and all(u.status == AccountStatus.INACTIVE for u in imported)
    assert LearnerAchievement.select().where(LearnerAchievement.learner.in_(imported)).count() == 4
