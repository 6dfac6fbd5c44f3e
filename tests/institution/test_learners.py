"""学员成果管理 and 学员账户管理: storing for an ID (a 未激活 account when there is none),
withdrawal with reason and file, import with a failure workbook, modify only 未激活,
mixed delete."""
import io

import openpyxl
import pytest

from models import (
    AccountStatus,
    AchievementSource,
    AchievementStatus,
    Attachment,
    ImportBatch,
    LearnerAchievement,
    Message,
    Role,
    User,
)
from tests import factories
from tests.institution.conftest import pdf_upload


def store(client, catalogue_achievement, **fields):
    data = {"real_name": "王小明", "id_number": factories.valid_id_number(), "personal_code": "GD2022001",
            "obtained_on": "2022-07-01", **fields}
    return client.post(f"/admin/inst_learner_achievements/store/{catalogue_achievement.id}/", data=data), data


def test_storing_for_an_unknown_id_creates_an_inactive_learner(spaces, client_as):
    a = spaces.a
    response, data = store(client_as(a.admin), a.catalogue_achievement, id_number=" 44010619851231003x ")
    assert response.status_code == 302
    learner = User.get(User.id_number == "44010619851231003X")
    assert learner.role == Role.LEARNER and learner.status == AccountStatus.INACTIVE
    assert learner.added_by_institution_id == a.institution.id and learner.password_hash is None
    held = LearnerAchievement.get(LearnerAchievement.learner == learner)
    assert held.catalogue_id == a.catalogue_achievement.id and held.stored_by_id == a.institution.id
    assert held.source == AchievementSource.INSTITUTION and held.status == AchievementStatus.CATALOGUE
    assert held.personal_code == "GD2022001" and str(held.obtained_on) == "2022-07-01"
    assert held.category.code == "diploma"  # shown to the learner under their own subcategory


def test_storing_for_an_existing_learner_notifies_them(spaces, client_as):
    a = spaces.a
    learner = factories.make_learner(real_name="李华")
    response, _ = store(client_as(a.admin), a.catalogue_achievement, real_name="李华", id_number=learner.id_number)
    assert response.status_code == 302
    assert LearnerAchievement.get(LearnerAchievement.learner == learner).stored_by_id == a.institution.id
    assert Message.select().where(Message.user == learner).count() == 1


@pytest.mark.parametrize(
    "case, message",
    # "another name" and "a staff account" get one answer: no oracle of which accounts exist.
    [("name", "姓名与身份证号不匹配任何学员账户"), ("twice", "身份证号 已存有该成果"), ("staff", "姓名与身份证号不匹配任何学员账户"),
     ("check_digit", "校验位错误")],
)
def test_refused_storage_changes_nothing(spaces, client_as, case, message):
    a = spaces.a
    client = client_as(a.admin)
    staff = factories.make_user("reviewer", id_number=factories.valid_id_number())
    fields = {
        "name": {"real_name": "别人", "id_number": a.learner.id_number},
        "twice": {"real_name": a.learner.real_name, "id_number": a.learner.id_number},
        "staff": {"real_name": staff.real_name, "id_number": staff.id_number},
        "check_digit": {"id_number": a.learner.id_number[:17] + ("0" if a.learner.id_number[17] != "0" else "1")},
    }[case]
    before = (User.select().count(), LearnerAchievement.select().count())
    response, _ = store(client, a.catalogue_achievement, **fields)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert (User.select().count(), LearnerAchievement.select().count()) == before


def test_list_masks_id_and_phone(spaces, client_as):
    a = spaces.a
    page = client_as(a.admin).get("/admin/inst_learner_achievements/").get_data(as_text=True)
    assert a.learner.id_number not in page and a.learner.phone not in page
    assert a.learner.id_number[:6] + "*****" + a.learner.id_number[-4:] in page
    assert a.learner.phone[:3] + "****" + a.learner.phone[-4:] in page


def withdraw(client, ids, reason="发证信息有误", with_file=True):
    data = {"ids": ",".join(str(i) for i in ids), "reason": reason}
    if with_file:
        data["reason_file"] = pdf_upload()
    return client.post("/admin/inst_learner_achievements/withdraw/", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("reason, with_file", [("", True), ("发证信息有误", False)])
def test_withdraw_needs_reason_and_file(spaces, client_as, reason, with_file):
    a = spaces.a
    response = withdraw(client_as(a.admin), [a.stored.id], reason=reason, with_file=with_file)
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert LearnerAchievement.get_by_id(a.stored.id).status == AchievementStatus.CATALOGUE


def test_batch_withdraw_withdraws_and_notifies(spaces, client_as):
    a = spaces.a
    client = client_as(a.admin)
    second = factories.make_achievement(
        factories.make_learner(), factories.make_catalogue("inst_he_course", institution=a.institution),
        source=AchievementSource.INSTITUTION, stored_by=a.institution,
    )
    picked = client.post("/admin/inst_learner_achievements/action/",
                         data={"action": "withdraw", "rowid": [a.stored.id, second.id]})
    assert "withdraw/?ids=" in picked.headers["Location"]
    confirm_page = client.get(picked.headers["Location"]).get_data(as_text=True)
    assert a.stored.name in confirm_page and second.name in confirm_page
    response = withdraw(client, [a.stored.id, second.id])
    assert response.status_code == 302
    for row in (a.stored, second):
        after = LearnerAchievement.get_by_id(row.id)
        assert after.status == AchievementStatus.WITHDRAWN and after.withdrawn_reason == "发证信息有误"
        assert Attachment.of("withdrawal", row.id).count() == 1
        assert Message.select().where(Message.user == row.learner_id).exists()


def import_workbook(client, catalogue_achievement, rows):
    """Fill the downloaded 导入学员 template with ``rows`` and upload it."""
    template = client.get(
        f"/admin/inst_learner_achievements/import/template/?kind=learner_achievements&target={catalogue_achievement.id}"
    )
    assert template.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(template.data))
    sheet = book.active
    header_row = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), 1) if row and any(
        "学员姓名" in str(c) for c in row if c))
    for offset, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            sheet.cell(row=header_row + offset, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return client.post(
        f"/admin/inst_learner_achievements/import/?kind=learner_achievements&target={catalogue_achievement.id}",
        data={"kind": "learner_achievements", "target": catalogue_achievement.id, "file": (buffer, "learners.xlsx")},
        content_type="multipart/form-data",
    )


def test_import_learners_with_one_bad_row(spaces, client_as):
    a = spaces.a
    client = client_as(a.admin)
    rows = [(f"学员{i}", factories.valid_id_number(), f"P{i:03d}", "2022-06-30") for i in range(4)]
    rows.append(("坏行", "123456", "P999", "2022-06-30"))
    response = import_workbook(client, a.catalogue_achievement, rows)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    batch = ImportBatch.get(ImportBatch.institution == a.institution, ImportBatch.kind == "learner_achievements",
                            ImportBatch.target_id == a.catalogue_achievement.id, ImportBatch.accepted == 4)
    assert batch.rejected == 1
    imported = User.select().where(User.id_number.in_([r[1] for r in rows[:4]]))
    assert all(u.status == AccountStatus.INACTIVE and u.added_by_institution_id == a.institution.id for u in imported)
    records = client.get(f"/admin/inst_learner_achievements/imports/?target={a.catalogue_achievement.id}")
    records = records.get_data(as_text=True)
    assert f"/files/{batch.rejected_file_id}" in records
    failed = client.get(f"/files/{batch.rejected_file_id}?download=1")
    assert failed.status_code == 200
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(failed.data)).active.iter_rows(values_only=True)
             for c in row if c]
    assert "坏行" in cells


# --- 学员账户管理 ----------------------------------------------------------------------------


def test_add_new_learner_is_inactive(spaces, client_as):
    a = spaces.a
    id_number = factories.valid_id_number()
    response = client_as(a.admin).post("/admin/inst_learners/new/", data={"real_name": "赵六", "id_number": id_number})
    assert response.status_code == 302
    learner = User.get(User.id_number == id_number)
    assert learner.role == Role.LEARNER and learner.status == AccountStatus.INACTIVE
    assert learner.added_by_institution_id == a.institution.id
    assert learner.gender and learner.birth_date


def test_add_learner_with_a_taken_or_invalid_id_keeps_the_input(spaces, client_as):
    client = client_as(spaces.a.admin)
    before = User.select().count()
    for id_number in (spaces.b.learner.id_number, "440106199001010000"):
        page = client.post("/admin/inst_learners/new/", data={"real_name": "重复者", "id_number": id_number})
        assert page.status_code == 200 and "重复者" in page.get_data(as_text=True)
    assert User.select().count() == before


def test_modify_only_inactive_learners(spaces, client_as):
    a = spaces.a
    client = client_as(a.admin)
    client.post(f"/admin/inst_learners/edit/?id={a.learner.id}",
                data={"real_name": "改名", "id_number": a.learner.id_number})
    assert User.get_by_id(a.learner.id).real_name == a.learner.real_name
    client.post(f"/admin/inst_learners/edit/?id={a.inactive.id}",
                data={"real_name": "新名字", "id_number": a.inactive.id_number})
    assert User.get_by_id(a.inactive.id).real_name == "新名字"


def test_mixed_delete_deletes_what_it_may_and_says_why_not(spaces, client_as):
    a = spaces.a
    holding = factories.make_learner(real_name="有成果的未激活", status=AccountStatus.INACTIVE,
                                     added_by_institution=a.institution)
    factories.make_achievement(holding)
    response = client_as(a.admin).post(
        "/admin/inst_learners/action/",
        data={"action": "delete", "rowid": [a.inactive.id, a.learner.id, holding.id]},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert User.get_or_none(User.id == a.inactive.id) is None
    assert User.get_or_none(User.id == a.learner.id) is not None
    assert User.get_or_none(User.id == holding.id) is not None
    assert "仅未激活的学员可删除" in page and "该学员已关联成果" in page
    assert a.learner.real_name in page and "有成果的未激活" in page


def test_view_achievements_jumps_to_the_filtered_list(spaces, client_as):
    a = spaces.a
    client = client_as(a.admin)
    listing = client.get("/admin/inst_learners/").get_data(as_text=True)
    assert f"/admin/inst_learner_achievements/?learner={a.learner.id}" in listing
    other = factories.make_achievement(
        factories.make_learner(real_name="其他学员"), factories.make_catalogue("inst_he_course", institution=a.institution),
        source=AchievementSource.INSTITUTION, stored_by=a.institution,
    )
    page = client.get(f"/admin/inst_learner_achievements/?learner={a.learner.id}").get_data(as_text=True)
    assert a.learner.real_name in page and other.learner.real_name not in page


def test_row_actions_follow_the_rules(spaces, client_as):
    a = spaces.a
    client = client_as(a.admin)
    learners = client.get("/admin/inst_learners/").get_data(as_text=True)
    assert f"/admin/inst_learners/edit/?id={a.inactive.id}" in learners
    assert f"/admin/inst_learners/edit/?id={a.learner.id}" not in learners
    factories.make_achievement(a.learner, factories.make_catalogue("inst_he_course", institution=a.institution),
                               status=AchievementStatus.WITHDRAWN, source=AchievementSource.INSTITUTION,
                               stored_by=a.institution)
    listed = client.get("/admin/inst_learner_achievements/").get_data(as_text=True)
    assert listed.count("withdraw/?ids=") == 1  # the withdrawn row has no 撤回


def test_details_pages_mask_id_and_phone(app, reference, client_as):
    """学员账户 and 学员成果 details show 632323*****0922 / 170****9087, never the full values."""
    from models import LearnerAchievement

    college = factories.make_institution()
    staff = client_as("institution", institution=college)
    learner = factories.make_learner(added_by_institution=college)
    catalogue_achievement = factories.make_catalogue(institution=college)
    stored = factories.make_achievement(learner, catalogue_achievement, stored_by=college, source="institution")
    assert LearnerAchievement.get_by_id(stored.id).stored_by_id == college.id
    for url in (f"/admin/inst_learners/details/?id={learner.id}",
                f"/admin/inst_learner_achievements/details/?id={stored.id}"):
        page = staff.get(url).get_data(as_text=True)
        assert learner.real_name in page, url
        assert learner.id_number not in page and learner.phone not in page, url
