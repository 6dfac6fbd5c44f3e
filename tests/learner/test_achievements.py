"""成果添加 and the learner's own achievements: schema-built forms, catalogue picker, evidence."""
import pytest

from models import (
    AchievementStatus,
    Attachment,
    Category,
    CategoryKind,
    LearnerAchievement,
)
from tests import factories
from tests.learner.helpers import big_jpg, exe_as_jpg, learner_with_point, png

pytestmark = pytest.mark.usefixtures("reference")


@pytest.fixture
def learner_client(client_as):
    return client_as(learner_with_point())


def new_url(code, **args):
    query = "".join(f"&{k}={v}" for k, v in args.items())
    return f"/me/achievements/new?category={factories.category(code).id}{query}"


def test_the_form_follows_the_subcategory_schema(learner_client):
    """Does the form change with the subcategory (catalogue fields read-only, manual ones editable)?"""
    body = learner_client.get(new_url("qualification")).get_data(as_text=True)
    assert 'id="cat-appraisal_body"' in body and "readonly" in body  # 职业技能鉴定机构名称 from the catalogue
    assert 'name="f_certificate_no"' in body and 'name="f_obtained_on"' in body  # 证书编号, 发证日期 by hand
    assert 'name="f_appraisal_body"' not in body
    body = learner_client.get(new_url("course")).get_data(as_text=True)
    assert 'name="f_score"' in body and "成绩" in body
    assert "如果未查找到成果，请点击这里来输入成果" in body


def test_a_new_subcategory_needs_no_code(learner_client):
    """A subcategory the center adds as data gets its own form and stores its values."""
    parent = factories.category("other_group")
    Category.create(name="业绩类-志愿时长", parent=parent, kind=CategoryKind.INFORMAL, code="perf_hours",
                    field_schema=[{"name": "hours", "label": "志愿时长", "type": "number", "source": "manual",
                                   "required": True}], evidence=[])
    category = factories.category("perf_hours")
    page = learner_client.get(f"/me/achievements/new?category={category.id}").get_data(as_text=True)
    assert "志愿时长" in page and 'name="f_hours"' in page
    response = learner_client.post(f"/me/achievements/new?category={category.id}", data={"name": "社区服务", "f_hours": "120"})
    assert response.status_code == 302
    row = LearnerAchievement.get(LearnerAchievement.name == "社区服务")
    assert row.fields == {"hours": 120} and row.status == AchievementStatus.NOT_APPLIED


def test_catalogue_search_combines_the_three_criteria(learner_client):
    exam = factories.make_institution(name="教育部教育考试院")
    other = factories.make_institution(name="某培训中心")
    factories.make_catalogue(project_name="全国计算机等级考试", name="全国计算机等级考试一级证书", institution=exam)
    factories.make_catalogue(project_name="全国计算机等级考试", name="全国计算机等级考试二级及以上证书", institution=exam)
    factories.make_catalogue(project_name="全国计算机等级考试", name="计算机培训证书", institution=other)
    category = factories.category("qualification").id
    data = learner_client.get(f"/me/catalogue?category={category}&project=计算机等级").get_json()
    assert data["total"] == 3
    data = learner_client.get(f"/me/catalogue?category={category}&project=计算机等级&institution=考试院&name=一级").get_json()
    assert [i["name"] for i in data["items"]] == ["全国计算机等级考试一级证书"]
    assert data["items"][0]["institution"] == "教育部教育考试院"
    for n in range(12):
        factories.make_catalogue(project_name="分页项目", name=f"分页成果{n:02d}")
    data = learner_client.get(f"/me/catalogue?category={category}&project=分页项目&page=2").get_json()
    assert (data["pages"], len(data["items"])) == (2, 2)


def add_from_catalogue(client, catalogue_achievement, files=None, **extra):
    data = {"catalogue_id": str(catalogue_achievement.id), "f_certificate_no": "No.123", "f_obtained_on": "2021-06-30",
            "description": "考试通过", **extra}
    data["evidence"] = files if files is not None else [png()]
    return client.post(new_url(catalogue_achievement.category.code), data=data, content_type="multipart/form-data")


def test_adding_a_catalogue_achievement_with_evidence(learner_client):
    catalogue_achievement = factories.make_catalogue(name="全国计算机等级考试一级证书")
    response = add_from_catalogue(learner_client, catalogue_achievement)
    assert response.status_code == 302
    row = LearnerAchievement.get(LearnerAchievement.learner == learner_client.user)
    assert (row.catalogue_id, row.name, row.institution_id) == (
        catalogue_achievement.id, catalogue_achievement.name, catalogue_achievement.institution_id)
    assert row.status == AchievementStatus.CATALOGUE  # recognised on adding, no application
    assert row.fields == {"certificate_no": "No.123", "obtained_on": "2021-06-30"}
    assert str(row.obtained_on) == "2021-06-30"
    files = list(Attachment.of("learner_achievement", row.id))
    assert [f.mime for f in files] == ["image/png"]
    detail = learner_client.get(response.location).get_data(as_text=True)
    assert "名录成果" in detail and f"/files/{files[0].id}" in detail


def test_the_same_catalogue_achievement_cannot_be_added_twice(learner_client):
    catalogue_achievement = factories.make_catalogue()
    assert add_from_catalogue(learner_client, catalogue_achievement).status_code == 302
    body = add_from_catalogue(learner_client, catalogue_achievement).get_data(as_text=True)
    assert "已存有该成果" in body
    assert LearnerAchievement.select().count() == 1


def test_catalogue_mode_needs_a_chosen_catalogue_achievement_and_keeps_input(learner_client):
    body = learner_client.post(new_url("qualification"), data={"f_certificate_no": "No.9"},
                               content_type="multipart/form-data").get_data(as_text=True)
    assert "请搜索并选择成果" in body and 'value="No.9"' in body
    assert LearnerAchievement.select().count() == 0


def test_manual_entry_of_a_non_catalogue_achievement_needs_recognition(learner_client):
    url = new_url("qualification", mode="manual")
    data = {"name": "某省电工证", "institution_name": "某省鉴定中心", "f_appraisal_body": "某省鉴定中心",
            "f_certificate_level": "中级", "f_occupation": "电工", "f_education": "高中",
            "f_certificate_no": "E1", "f_obtained_on": "2020-01-02", "evidence": [png()]}
    assert learner_client.post(url, data=data, content_type="multipart/form-data").status_code == 302
    row = LearnerAchievement.get(LearnerAchievement.name == "某省电工证")
    assert row.catalogue_id is None and row.status == AchievementStatus.NOT_APPLIED
    assert row.institution_name == "某省鉴定中心" and row.fields["occupation"] == "电工"


def test_manual_required_fields_are_reported(learner_client):
    body = learner_client.post(new_url("qualification", mode="manual"), data={"name": "只有名称"},
                               content_type="multipart/form-data").get_data(as_text=True)
    assert body.count("invalid-feedback") >= 5 and 'value="只有名称"' in body
    assert LearnerAchievement.select().count() == 0


@pytest.mark.parametrize("upload, message", [(exe_as_jpg, "上传附件格式为"), (big_jpg, "超过10 MB")])
def test_bad_evidence_is_refused_and_nothing_is_stored(learner_client, upload, message):
    catalogue_achievement = factories.make_catalogue()
    body = add_from_catalogue(learner_client, catalogue_achievement, files=[upload()]).get_data(as_text=True)
    assert message in body
    assert LearnerAchievement.select().count() == 0 and Attachment.select().count() == 0


def test_required_evidence_must_be_uploaded(learner_client):
    catalogue_achievement = factories.make_catalogue()
    body = add_from_catalogue(learner_client, catalogue_achievement, files=[]).get_data(as_text=True)
    assert "请上传相关材料" in body and LearnerAchievement.select().count() == 0


def test_modify_and_delete_while_not_under_review(learner_client):
    row = factories.make_achievement(learner_client.user, fields={"completed_by": "旧单位", "obtained_on": "2022-01-01"})
    response = learner_client.post(f"/me/achievements/{row.id}/edit", data={
        "name": "新名称", "f_completed_by": "新单位", "f_obtained_on": "2022-02-02", "evidence": [png()]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    row = LearnerAchievement.get_by_id(row.id)
    assert (row.name, row.fields["completed_by"], str(row.obtained_on)) == ("新名称", "新单位", "2022-02-02")
    assert Attachment.of("learner_achievement", row.id).count() == 1
    assert learner_client.post(f"/me/achievements/{row.id}/delete").status_code == 302
    assert LearnerAchievement.get_or_none(LearnerAchievement.id == row.id) is None
    assert Attachment.of("learner_achievement", row.id).count() == 0


def test_no_modify_or_delete_under_review(learner_client):
    row = factories.make_achievement(learner_client.user, status=AchievementStatus.UNDER_REVIEW)
    learner_client.post(f"/me/achievements/{row.id}/edit", data={"name": "改名"})
    learner_client.post(f"/me/achievements/{row.id}/delete")
    row = LearnerAchievement.get_by_id(row.id)
    assert row.name != "改名"


def test_another_learners_achievement_is_not_found(client_as):
    owner = learner_with_point()
    row = factories.make_achievement(owner, name="别人的成果")
    intruder = client_as(learner_with_point())
    for method, url in [
        ("get", f"/me/achievements/{row.id}"),
        ("get", f"/me/achievements/{row.id}/edit"),
        ("post", f"/me/achievements/{row.id}/edit"),
        ("post", f"/me/achievements/{row.id}/delete"),
        ("post", f"/me/recognition/{row.id}/submit"),
        ("get", f"/me/recognition/{row.id}/records"),
        ("get", f"/me/conversions/{row.id}/apply"),
        ("get", f"/me/conversions/{row.id}/apply?dialog=1"),
        ("post", f"/me/conversions/{row.id}/apply"),
        ("get", f"/me/conversions/{row.id}/progress"),
        ("get", f"/me/conversions/go?id={row.id}&action=apply"),
        ("post", f"/me/performance/{row.id}/apply"),
        ("post", f"/me/achievements/{row.id}/feedback"),
    ]:
        response = getattr(intruder, method)(url, data={"name": "x"})
        assert response.status_code == 404, url
        assert "别人的成果" not in response.get_data(as_text=True)
    row = LearnerAchievement.get_by_id(row.id)
    assert (row.name, row.status) == ("别人的成果", AchievementStatus.NOT_APPLIED)


@pytest.mark.parametrize("role", ["center", "reviewer", "committee", "institution"])
def test_the_learner_area_is_for_learners(client_as, role):
    assert client_as(role).get("/me/achievements/new").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/me/conversions")
    assert response.status_code == 302 and "/login" in response.location
