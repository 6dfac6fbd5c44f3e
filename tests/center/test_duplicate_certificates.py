"""重复证书: the same certificate number of the same catalogue achievement held
by two people, or stored twice by institutions, is flagged when the rows are written
(by a learner, by an institution's form, by an import) and listed to the center with both
records; the reviewer of an application on such an achievement is warned."""
import io
import re

import openpyxl
import pytest

from models import Application, LearnerAchievement, Role, User
from services import ledger
from tests import factories
from tests.learner.helpers import learner_with_point, png

LIST = "/admin/duplicate_certificates/"


def add(client, catalogue_achievement, number):
    """成果添加 of ``catalogue_achievement`` with 证书编号 ``number``, as a learner does."""
    response = client.post(f"/me/achievements/new?category={catalogue_achievement.category_id}",
                           data={"catalogue_id": str(catalogue_achievement.id), "f_certificate_no": number,
                                 "f_obtained_on": "2021-06-30", "evidence": [png()]},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return LearnerAchievement.get(LearnerAchievement.learner == client.user,
                                  LearnerAchievement.catalogue == catalogue_achievement)


def store(client, catalogue_achievement, code, real_name="王小明"):
    """存储学员成果 by an institution, with 个人成果编号 ``code``; returns the stored row."""
    id_number = factories.valid_id_number()
    response = client.post(f"/admin/inst_learner_achievements/store/{catalogue_achievement.id}/", data={
        "real_name": real_name, "id_number": id_number, "personal_code": code, "obtained_on": "2022-07-01"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return LearnerAchievement.get(LearnerAchievement.catalogue == catalogue_achievement,
                                  LearnerAchievement.learner == User.get(User.id_number == id_number))


def import_rows(client, catalogue_achievement, rows):
    book = openpyxl.Workbook()
    book.active.append(["学员姓名", "身份证号", "个人成果编号", "颁证日期"])
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    response = client.post(f"/admin/inst_learner_achievements/import/?target={catalogue_achievement.id}",
                           data={"kind": "learner_achievements", "target": catalogue_achievement.id,
                                 "file": (buffer, "learners.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]


@pytest.fixture
def learners(client_as, reference):
    def make(name):
        return client_as(learner_with_point(real_name=name))

    return make


@pytest.fixture
def college(client_as, reference):
    """An institution account with a catalogue achievement of its own (its X certificate, say)."""
    user = factories.make_user(Role.INSTITUTION)
    catalogue_achievement = factories.make_catalogue("inst_he_diploma", institution=user.institution,
                                                     name="经济学毕业证书")
    client = client_as(user)
    client.catalogue_achievement = catalogue_achievement
    return client


def test_the_same_number_held_by_two_people_is_flagged_not_across_catalogue_achievements(learners):
    first, second, third = learners("张三丰"), learners("李四光"), learners("王五")
    catalogue_achievement = factories.make_catalogue(name="全国计算机等级考试一级证书")
    other_catalogue_achievement = factories.make_catalogue()
    a = add(first, catalogue_achievement, "NCRE-2021-001")
    b = add(second, catalogue_achievement, " ncre-2021-001 ")  # the same number, typed differently
    c = add(second, other_catalogue_achievement, "NCRE-2021-001")  # another one's number: no duplicate
    rows = {row.id: row for row in LearnerAchievement.select()}
    assert rows[a.id].certificate_key == rows[b.id].certificate_key == "NCRE-2021-001"
    assert (rows[a.id].duplicate_of, rows[b.id].duplicate_of, rows[c.id].duplicate_of) == (None, a.id, None)
    # The second learner corrects the number: the flag goes.
    assert second.post(f"/me/achievements/{b.id}/edit", data={"f_certificate_no": "NCRE-2021-777",
                                                              "f_obtained_on": "2021-06-30"},
                       content_type="multipart/form-data").status_code == 302
    assert LearnerAchievement.get_by_id(b.id).duplicate_of is None
    # A third holder of that number is flagged against it; when the second deletes theirs,
    # the third is no longer a duplicate of anything.
    d = add(third, catalogue_achievement, "NCRE-2021-777")
    assert LearnerAchievement.get_by_id(d.id).duplicate_of == b.id
    assert second.post(f"/me/achievements/{b.id}/delete").status_code == 302
    assert LearnerAchievement.get_by_id(d.id).duplicate_of is None


def test_double_storage_by_institutions_is_flagged_by_the_form_and_by_an_import(college):
    first = store(college, college.catalogue_achievement, "GD2022001", real_name="赵一")
    second = store(college, college.catalogue_achievement, "gd2022001", real_name="钱二")
    other = store(college, college.catalogue_achievement, "GD2022002", real_name="孙三")
    assert (LearnerAchievement.get_by_id(second.id).duplicate_of, LearnerAchievement.get_by_id(other.id).duplicate_of
            ) == (first.id, None)
    # The bulk insert of an import flags its rows too (against stored rows and each other).
    import_rows(college, college.catalogue_achievement, [
        ("周四", factories.valid_id_number(), "GD2022002", "2022-06-30"),
        ("吴五", factories.valid_id_number(), "GD2022009", "2022-06-30"),
        ("郑六", factories.valid_id_number(), "GD2022009", "2022-06-30"),
    ])
    imported = {row.real_name: row for row in LearnerAchievement.select(LearnerAchievement, User).join(
        User, on=(LearnerAchievement.learner == User.id)).where(LearnerAchievement.import_batch.is_null(False))
        .objects()}
    assert imported["周四"].duplicate_of == other.id
    assert imported["吴五"].duplicate_of is None and imported["郑六"].duplicate_of == imported["吴五"].id


def test_the_center_lists_both_records_masked_filtered_and_searched(college, client_as, learners):
    first = store(college, college.catalogue_achievement, "GD2022001", real_name="赵一")
    second = store(college, college.catalogue_achievement, "GD2022001", real_name="钱二")
    catalogue_achievement = factories.make_catalogue(name="全国计算机等级考试一级证书")
    add(learners("张三丰"), catalogue_achievement, "NCRE-1")
    add(learners("李四光"), catalogue_achievement, "NCRE-1")
    center = client_as("center")
    page = center.get(LIST).get_data(as_text=True)
    assert page.count('class="col-certificate_key"') == 2  # one row per duplicate, with the record it duplicates
    for text in ("GD2022001", "经济学毕业证书", "赵一", "钱二", "NCRE-1", "张三丰", "李四光", "机构重复入库", "不同学员持有"):
        assert text in page, text
    for row in (first, second):
        id_number = row.learner.id_number
        assert id_number not in page and f"{id_number[:4]}" in page  # masked
    # Each record says who stored it (or that the learner added it), its state and when.
    records = re.findall(r'class="col-(?:learner|original)">(.*?)</td>', page, re.S)
    assert len(records) == 4
    stored_by = {college.user.institution.name: 2, "自助添加": 2}
    for record in records:
        assert "名录成果" in record and str(first.created_at)[:10] in record, record
    for storer, times in stored_by.items():
        assert sum(storer in record for record in records) == times, storer
    stored_twice = center.get(LIST + "?flt0_0=stored").get_data(as_text=True)
    assert "钱二" in stored_twice and "李四光" not in stored_twice
    people = center.get(LIST + "?flt0_0=people").get_data(as_text=True)
    assert "李四光" in people and "钱二" not in people
    by_catalogue = center.get(LIST + "?flt0_1=计算机等级").get_data(as_text=True)  # 机构成果 by part of its name
    assert by_catalogue.count('class="col-certificate_key"') == 1 and "李四光" in by_catalogue and "钱二" not in by_catalogue
    found = center.get(LIST + "?search=NCRE").get_data(as_text=True)
    assert found.count('class="col-certificate_key"') == 1 and "李四光" in found
    assert center.get(LIST + "?sort=0&desc=1").status_code == 200
    # 重复证书 is in the center's menu.
    assert LIST in center.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.COMMITTEE, Role.INSTITUTION, Role.LEARNER])
def test_only_the_center_sees_the_list(client_as, reference, role):
    response = client_as(role).get(LIST)
    assert response.status_code in (302, 403)
    assert "重复证书" not in client_as(role).get("/admin/", follow_redirects=True).get_data(as_text=True)


def test_the_reviewer_is_warned_on_the_review_page(learners, client_as):
    catalogue_achievement = factories.make_catalogue(name="全国计算机等级考试一级证书")
    course = factories.make_catalogue("course", name="计算机应用基础", institution=factories.make_institution())
    rule = factories.make_rule([catalogue_achievement], [course])
    holder, copier, honest = learners("张三丰"), learners("李四光"), learners("王五")
    original = add(holder, catalogue_achievement, "NCRE-2021-001")
    duplicate = add(copier, catalogue_achievement, "NCRE-2021-001")
    clean = add(honest, catalogue_achievement, "NCRE-2021-002")
    applications = {row.id: ledger.submit_conversion(row, rule, row.learner) for row in (duplicate, clean)}
    reviewer = client_as(factories.make_user(Role.REVIEWER, institution=copier.user.teaching_point))
    page = reviewer.get(f"/admin/initial_review/review/{applications[duplicate.id].id}").get_data(as_text=True)
    assert "data-duplicate-warning" in page and "重复证书" in page and "NCRE-2021-001" in page
    assert f'data-duplicate="{original.id}"' in page and "张三丰" in page
    assert holder.user.id_number not in page  # masked
    reviewer = client_as(factories.make_user(Role.REVIEWER, institution=honest.user.teaching_point))
    page = reviewer.get(f"/admin/initial_review/review/{applications[clean.id].id}").get_data(as_text=True)
    assert "data-duplicate-warning" not in page
    assert Application.select().count() == 2
