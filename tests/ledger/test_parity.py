"""Does every entry point give the same verdict, in the same words, and write nothing when it
refuses? Each invariant of a record is run through every entry point that writes that
record: the learner's form, the institution's form, the center's admin form, the .xlsx and
.xls imports and the API push. A form shows the message next to its field, an import adds
"第N行 ", the API lists it under the item (numbered as the import's rows)."""
import datetime as dt

import openpyxl
import pytest
from pyexcel_xls import save_data

from models import CatalogueAchievement, Category, LearnerAchievement, Role, User
from services import excel
from services.accounts import api_tokens
from services.files import storage
from tests import factories

TODAY = dt.date.today()
HEADER = ["学员姓名", "身份证号", "个人成果编号", "颁证日期"]


@pytest.fixture
def side(app, reference):
    """Institution A with a catalogue achievement, a learner holding it, and an API token."""
    institution = factories.make_institution(name="A学院")
    admin = factories.make_user(Role.INSTITUTION, institution=institution)
    catalogue_achievement = factories.make_catalogue("inst_he_diploma", institution=institution, name="A学院经济学毕业证书")
    holder = factories.make_learner(real_name="持有人", birth_date=None)
    factories.make_achievement(holder, catalogue_achievement, personal_code="H-1", stored_by=institution)
    other = factories.make_learner(real_name="另一学员")
    _row, token = api_tokens.create(institution.id, "写令牌", "write", admin)
    return {"institution": institution, "admin": admin, "catalogue_achievement": catalogue_achievement,
            "holder": holder, "other": other, "token": token, "center": factories.make_user("center"), "app": app}


def fresh_id(birth="19900101"):
    return factories.valid_id_number(birth=birth)


def bad_check_digit():
    good = fresh_id()
    return good[:17] + ("0" if good[17] != "0" else "1")


# invariant: (holding values given the side, the one message)
HOLDING_CASES = {
    "future date": (lambda s: ["新学员", fresh_id(), "N-1", (TODAY + dt.timedelta(days=3)).isoformat()],
                    "颁证日期 不能晚于今天"),
    "before birth": (lambda s: ["新学员", fresh_id("19900101"), "N-2", "1989-12-31"], "颁证日期 不能早于学员出生日期"),
    "name and ID": (lambda s: ["假名", s["other"].id_number, "N-3", "2022-01-01"],
                    "学员姓名 姓名与身份证号不匹配任何学员账户"),
    "held once": (lambda s: ["持有人", s["holder"].id_number, "N-4", "2022-01-01"], "身份证号 已存有该成果"),
    "required": (lambda s: ["新学员", fresh_id(), "", "2022-01-01"], "个人成果编号 不能为空"),
    "ID check digit": (lambda s: ["新学员", bad_check_digit(), "N-6", "2022-01-01"], "身份证号 校验位错误"),
}


def counts():
    return User.select().count(), LearnerAchievement.select().count(), CatalogueAchievement.select().count()


def import_messages(kind, user, target, rows, header, tmp_path, suffix):
    path = tmp_path / f"import{suffix}"
    if suffix == ".xlsx":
        book = openpyxl.Workbook()
        for row in [header, *rows]:
            book.active.append(row)
        book.save(path)
    else:
        save_data(str(path), {"Sheet1": [header, *rows]})
    batch = excel.run_import(excel.KINDS[kind], str(path), path.name, user, target=target)
    with storage.open_stored(batch.rejected_file) as handle:
        sheet = openpyxl.load_workbook(handle).worksheets[0]
    return [values[-1] for values in sheet.iter_rows(min_row=2, values_only=True)], batch.accepted


def through_institution_form(s, client_as, values, tmp_path):
    data = dict(zip(("real_name", "id_number", "personal_code", "obtained_on"), values, strict=True))
    url = f"/admin/inst_learner_achievements/store/{s['catalogue_achievement'].id}/"
    page = client_as(s["admin"]).post(url, data=data)
    return page.get_data(as_text=True), page.status_code == 302


def through_import(suffix):
    def run(s, client_as, values, tmp_path):
        messages, accepted = import_messages("learner_achievements", s["admin"], s["catalogue_achievement"], [values],
                                             HEADER, tmp_path, suffix)
        assert all(m.startswith("第2行 ") for m in messages)
        return " ".join(m.removeprefix("第2行 ") for m in messages), accepted == 1
    return run


def through_api(s, client_as, values, tmp_path):
    item = dict(zip(("real_name", "id_number", "personal_code", "obtained_on"), values, strict=True))
    body = {"items": [{"catalogue_achievement_id": s["catalogue_achievement"].id, **item}]}
    response = s["app"].test_client().post("/api/v1/achievements", headers={"Authorization": f"Bearer {s['token']}"},
                                           json=body)
    result = response.get_json()["results"][0]
    return " ".join(r.removeprefix("第2行 ") for r in result["reasons"]), result["status"] == "accepted"


HOLDING_ENTRY_POINTS = {
    "institution form": through_institution_form,
    ".xlsx import": through_import(".xlsx"),
    ".xls import": through_import(".xls"),
    "API push": through_api,
}


@pytest.mark.parametrize("entry_point", sorted(HOLDING_ENTRY_POINTS))
@pytest.mark.parametrize("invariant", sorted(HOLDING_CASES))
def test_a_holding_is_refused_alike_everywhere(side, client_as, tmp_path, invariant, entry_point):
    build, message = HOLDING_CASES[invariant]
    values = build(side)
    before = counts()
    shown, accepted = HOLDING_ENTRY_POINTS[entry_point](side, client_as, values, tmp_path)
    assert not accepted and message in shown, shown[-3000:]
    assert counts() == before


@pytest.mark.parametrize("case, day, problem", [
    # Tomorrow as of the test's run, not of its collection (a run across midnight).
    ("future", lambda: dt.date.today() + dt.timedelta(days=1), "不能晚于今天"),
    ("before birth", lambda: dt.date(1989, 12, 31), "不能早于学员出生日期"),
])
def test_a_learner_s_own_dates_obey_the_same_rule(app, reference, client_as, case, day, problem):
    """成果添加: the learner's date fields are held to the same rule, in the same words (under
    the subcategory's own label)."""
    day = day()
    learner = factories.make_learner(id_number=fresh_id("19900101"), birth_date=dt.date(1990, 1, 1))
    catalogue_achievement = factories.make_catalogue()  # 职业资格证书: 发证日期
    informal = Category.get(Category.code == "perf_work")  # 业绩完成时间
    client = client_as(learner)
    before = counts()
    from tests.learner.helpers import png
    for category, data, label in (
        (catalogue_achievement.category, {"catalogue_id": str(catalogue_achievement.id), "f_certificate_no": "No.1"},
         "发证日期"),
        (informal, {"name": "工作经历", "f_completed_by": "某公司"}, "业绩完成时间"),
    ):
        field = "f_obtained_on"
        page = client.post(f"/me/achievements/new?category={category.id}", content_type="multipart/form-data",
                           data={**data, field: day.isoformat(), "evidence": [png()]}).get_data(as_text=True)
        assert f"{label} {problem}" in page
    assert counts() == before


# --- catalogue achievements -----------------------------------------------------------------------

COURSE = "inst_he_course"
CATALOGUE_HEADER = ["项目名称", "成果名称", "课程名称", "课程代码", "专业", "层次", "原始学时", "原始学分", "学分银行学分",
                    "资历框架等级", "生效日期", "成果简介"]


def course_values(name="统计学", code="C-01", **changes):
    values = {"name": name, "course_name": name, "course_code": code, "major": "统计", "level": "本科", "hours": "48",
              "credits": "3"}
    values.update(changes)
    return values


CATALOGUE_CASES = {
    "in the catalogue": (lambda s: course_values(code="c-01 "), "成果名称 已在名录中"),  # same code, typed loosely
    "required field": (lambda s: course_values(name="会计学", code=""), "课程代码 不能为空"),
}


def _form_data(values):
    data = {"name": values["name"]}
    data.update({f"f_{k}": v for k, v in values.items() if k != "name"})
    return data


def through_store_form(s, client_as, values, tmp_path):
    category = Category.get(Category.code == COURSE)
    page = client_as(s["admin"]).post(f"/admin/inst_achievements/store/{category.id}/", data=_form_data(values))
    return page.get_data(as_text=True), page.status_code == 302


def through_center_form(s, client_as, values, tmp_path):
    category = Category.get(Category.code == COURSE)
    data = {**_form_data(values), "institution": s["institution"].id, "framework_level": 0}
    page = client_as(s["center"]).post(f"/admin/catalogue/new/?category={category.id}", data=data)
    return page.get_data(as_text=True), page.status_code == 302


def through_catalogue_import(kind, suffix):
    def run(s, client_as, values, tmp_path):
        header = CATALOGUE_HEADER if kind == "institution_achievements" else [
            *CATALOGUE_HEADER[:2], "资历机构", *CATALOGUE_HEADER[2:]]
        row = ["", values["name"], values["course_name"], values["course_code"], values["major"], values["level"],
               values["hours"], values["credits"], "", "", "", ""]
        if kind == "catalogue":
            row.insert(2, s["institution"].name)
        user = s["admin"] if kind == "institution_achievements" else s["center"]
        messages, accepted = import_messages(kind, user, Category.get(Category.code == COURSE), [row], header,
                                             tmp_path, suffix)
        return " ".join(m.removeprefix("第2行 ") for m in messages), accepted == 1
    return run


CATALOGUE_ENTRY_POINTS = {
    "institution form": through_store_form,
    "center admin form": through_center_form,
    "机构成果 .xlsx import": through_catalogue_import("institution_achievements", ".xlsx"),
    "机构成果 .xls import": through_catalogue_import("institution_achievements", ".xls"),
    "名录成果 .xlsx import": through_catalogue_import("catalogue", ".xlsx"),
}


@pytest.mark.parametrize("entry_point", sorted(CATALOGUE_ENTRY_POINTS))
@pytest.mark.parametrize("invariant", sorted(CATALOGUE_CASES))
def test_a_catalogue_achievement_is_refused_alike_everywhere(side, client_as, tmp_path, invariant, entry_point):
    factories.make_catalogue(COURSE, institution=side["institution"], name="统计学",
                             fields=course_values())
    build, message = CATALOGUE_CASES[invariant]
    before = counts()
    shown, accepted = CATALOGUE_ENTRY_POINTS[entry_point](side, client_as, build(side), tmp_path)
    assert not accepted and message in shown, shown[-3000:]
    assert counts() == before


@pytest.mark.parametrize("entry_point", ["institution form", "机构成果 .xlsx import", "机构成果 .xls import"])
def test_a_type_needing_authorisation_is_refused_alike(side, client_as, tmp_path, entry_point):
    """存储 of a type the center has not authorised: the form and the import (its target
    forced past the screen's own list) refuse it in the same words."""
    category = Category.get(Category.code == "inst_mohrss_cert")
    message = f"{category.name}需经学分银行管理中心授权后才能存储"
    before = counts()
    if entry_point == "institution form":
        page = client_as(side["admin"]).get(f"/admin/inst_achievements/store/{category.id}/", follow_redirects=True)
        shown = page.get_data(as_text=True)
    else:
        suffix = entry_point.rsplit(" ", 2)[1]
        header = ["项目名称", "成果名称", "颁证机构", "证书等级", "职业(工种)", "学分银行学分", "资历框架等级", "生效日期", "成果简介"]
        path = tmp_path / f"types{suffix}"
        rows = [header, ["", "电工", "人社厅", "高级", "电工", "", "", "", ""]]
        if suffix == ".xlsx":
            book = openpyxl.Workbook()
            for row in rows:
                book.active.append(row)
            book.save(path)
        else:
            save_data(str(path), {"Sheet1": rows})
        batch = excel.run_import(excel.KINDS["institution_achievements"], str(path), path.name, side["admin"],
                                 target=category)
        with storage.open_stored(batch.rejected_file) as handle:
            shown = " ".join(v[-1] for v in openpyxl.load_workbook(handle).worksheets[0].iter_rows(
                min_row=2, values_only=True))
    assert message in shown
    assert counts() == before


def test_a_push_that_redates_a_holding_keeps_the_same_date_rule(side):
    """The API names a stored holding again with another 颁证日期: the same rule, the same words."""
    holder = factories.make_learner(real_name="重推学员", id_number=fresh_id("19950101"))
    held = factories.make_achievement(holder, side["catalogue_achievement"], personal_code="R-1",
                                      stored_by=side["institution"], obtained_on=dt.date(2020, 1, 1))
    client = side["app"].test_client()
    for day, status in (("1994-12-31", "rejected"), ("2021-05-01", "updated")):
        response = client.post("/api/v1/achievements", headers={"Authorization": f"Bearer {side['token']}"},
                               json={"items": [{"catalogue_achievement_id": side["catalogue_achievement"].id,
                                                "real_name": "重推学员", "id_number": holder.id_number,
                                                "personal_code": "R-1", "obtained_on": day}]})
        result = response.get_json()["results"][0]
        assert result["status"] == status
        if status == "rejected":
            assert result["reasons"] == ["第2行 颁证日期 不能早于学员出生日期"]
            assert LearnerAchievement.get_by_id(held.id).obtained_on == dt.date(2020, 1, 1)
    assert LearnerAchievement.get_by_id(held.id).obtained_on == dt.date(2021, 5, 1)


# --- learner accounts -------------------------------------------------------------------------

ACCOUNT_HEADER = ["学员姓名", "身份证号", "手机号码", "电子邮箱", "民族", "联系地址"]
ACCOUNT_CASES = {
    "registered ID": (lambda s: ["新学员", s["other"].id_number], "身份证号 已被注册"),
    "ID check digit": (lambda s: ["新学员", bad_check_digit()], "身份证号 校验位错误"),
    "name required": (lambda s: ["", fresh_id()], "学员姓名 不能为空"),
}


def account_through_form(s, client_as, values, tmp_path):
    data = {"real_name": values[0], "id_number": values[1]}
    page = client_as(s["admin"]).post("/admin/inst_learners/new/", data=data)
    return page.get_data(as_text=True), page.status_code == 302


def account_through_import(suffix):
    def run(s, client_as, values, tmp_path):
        messages, accepted = import_messages("learner_accounts", s["admin"], None, [[*values, "", "", "", ""]],
                                             ACCOUNT_HEADER, tmp_path, suffix)
        return " ".join(m.removeprefix("第2行 ") for m in messages), accepted == 1
    return run


ACCOUNT_ENTRY_POINTS = {"institution form": account_through_form, ".xlsx import": account_through_import(".xlsx"),
                        ".xls import": account_through_import(".xls")}


@pytest.mark.parametrize("entry_point", sorted(ACCOUNT_ENTRY_POINTS))
@pytest.mark.parametrize("invariant", sorted(ACCOUNT_CASES))
def test_a_learner_account_is_refused_alike_everywhere(side, client_as, tmp_path, invariant, entry_point):
    build, message = ACCOUNT_CASES[invariant]
    before = counts()
    shown, accepted = ACCOUNT_ENTRY_POINTS[entry_point](side, client_as, build(side), tmp_path)
    assert not accepted and message in shown, shown[-3000:]
    assert counts() == before
