"""Categories, schemas and the catalogue in the center's admin (SPEC §2, §3)."""
import pytest

from models import (
    AuditLog,
    CatalogueAchievement,
    Category,
    ImmutableError,
    LearnerAchievement,
    RecognitionStatus,
)
from tests import factories


def schema_rows(rows):
    """Form data for the schema editor: rows of (name, label, type, source, required, options)."""
    data = {}
    for i, (name, label, type_, source, required, options) in enumerate(rows):
        data.update({f"schema-{i}-name": name, f"schema-{i}-label": label, f"schema-{i}-type": type_,
                     f"schema-{i}-source": source, f"schema-{i}-options": options})
        if required:
            data[f"schema-{i}-required"] = "y"
    return data


def category_form(parent, code="volunteer", name="业绩类-志愿服务", rows=(), **extra):
    return {"name": name, "code": code, "scope": "learner", "parent": str(parent.id), "kind": "informal",
            "sort_order": "9", "active": "y", "manual_storage": "y", "learner_category": "0",
            "evidence_rows-0-label": "志愿服务证明", "evidence_rows-0-required": "y", **schema_rows(rows), **extra}


def test_a_new_subcategory_appears_in_the_learner_s_form_with_its_fields(center, client_as):
    """Center staff add 业绩类-志愿服务 with two fields; the learner's 成果添加 shows them, no code."""
    parent = factories.category("other_group")
    response = center.post("/admin/categories/new/", data=category_form(parent, rows=[
        ("service_hours", "服务时长", "number", "manual", True, ""),
        ("service_org", "服务组织", "enum", "manual", False, "社区，红十字会"),
    ]))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    category = Category.get(Category.code == "volunteer")
    assert category.parent_id == parent.id
    assert [f["name"] for f in category.field_schema] == ["service_hours", "service_org"]
    assert category.field_schema[1]["options"] == ["社区", "红十字会"]
    assert category.evidence == [{"label": "志愿服务证明", "required": True}]
    learner = client_as("learner")
    page = learner.get(f"/me/achievements/new?category={category.id}").get_data(as_text=True)
    assert "服务时长" in page and 'name="f_service_hours"' in page
    assert "红十字会" in page and 'name="f_service_org"' in page
    options = learner.get(f"/me/achievements/new?root={parent.id}").get_data(as_text=True)
    assert "业绩类-志愿服务" in options
    assert AuditLog.get(AuditLog.action == "category_created").object_id == category.id


@pytest.mark.parametrize("rows, reason", [
    ([("Bad Name", "x", "text", "manual", False, "")], "lower-case"),
    ([("a", "甲", "text", "manual", False, ""), ("a", "乙", "text", "manual", False, "")], "twice"),
    ([("level", "层次", "enum", "manual", False, "")], "needs options"),
])
def test_an_invalid_schema_is_refused_with_the_reason(center, rows, reason):
    response = center.post("/admin/categories/new/", data=category_form(factories.category("other_group"), rows=rows))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "data-schema-errors" in page
    assert not Category.select().where(Category.code == "volunteer").exists()
    assert 'value="业绩类-志愿服务"' in page  # the input is kept


def edit_schema(center, category, rows):
    data = category_form(category.parent, code=category.code, name=category.name, rows=rows, kind=category.kind)
    return center.post(f"/admin/categories/edit/?id={category.id}", data=data)


def test_a_schema_change_that_breaks_stored_achievements_is_refused(center):
    """业绩类-竞赛奖励 has an achievement storing 业绩完成单位: that field can't go or change type."""
    category = factories.category("perf_competition")
    learner = factories.make_learner()
    factories.make_achievement(learner, category=category, fields={"completed_by": "某单位"})
    keep_date = ("obtained_on", "业绩完成时间", "date", "manual", True, "")
    for rows, words in [
        ([keep_date], "不能删除或改名"),  # completed_by removed
        ([("completed_at", "业绩完成单位", "text", "manual", True, ""), keep_date], "不能删除或改名"),
        ([("completed_by", "业绩完成单位", "number", "manual", True, ""), keep_date], "不能修改类型"),
    ]:
        response = edit_schema(center, category, rows)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "已被1条成果使用，" + words in page, page[-3000:]
        assert Category.get_by_id(category.id).field_schema == category.field_schema
    # Unused fields may change freely: obtained_on is stored by nobody, a new field may be added.
    response = edit_schema(center, category, [
        ("completed_by", "业绩完成单位", "text", "manual", True, ""),
        ("obtained_on", "完成日期", "text", "manual", False, ""),
        ("award_level", "获奖等级", "enum", "manual", False, "国家级,省级"),
    ])
    assert response.status_code == 302
    assert [f["name"] for f in Category.get_by_id(category.id).field_schema] == ["completed_by", "obtained_on", "award_level"]


def test_a_removed_enumeration_option_in_use_is_refused(center):
    category = factories.category("course")
    factories.make_catalogue("course", fields={"level": "本科"})
    rows = [(f["name"], f["label"], f["type"], f["source"], f["required"], "、".join(f.get("options", [])))
            for f in category.field_schema]
    rows = [(n, lab, t, s, r, "专科(高职)" if n == "level" else o) for n, lab, t, s, r, o in rows]
    page = edit_schema(center, category, rows).get_data(as_text=True)
    assert "选项“本科”已被1条成果使用" in page
    assert Category.get_by_id(category.id).field_schema == category.field_schema


def test_catalogue_achievement_is_created_from_the_subcategory_fields(center):
    exam = factories.make_institution(name="教育部考试中心")
    category = factories.category("qualification")
    form = center.get(f"/admin/catalogue/new/?category={category.id}").get_data(as_text=True)
    for spec in category.catalogue_fields():
        assert f'name="f_{spec["name"]}"' in form
    assert 'name="f_certificate_no"' not in form  # manual fields are the learner's
    response = center.post(f"/admin/catalogue/new/?category={category.id}", data={
        "project_name": "全国计算机等级考试", "name": "全国计算机等级考试二级证书", "institution": str(exam.id),
        "f_appraisal_body": "教育部考试中心", "f_certificate_level": "二级", "f_occupation": "计算机操作员",
        "f_education": "不限", "credits": "3", "framework_level": "0", "level": "",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    catalogue_achievement = CatalogueAchievement.get(CatalogueAchievement.name == "全国计算机等级考试二级证书")
    assert catalogue_achievement.fields["certificate_level"] == "二级" and catalogue_achievement.institution_id == exam.id
    assert catalogue_achievement.recognition_status == RecognitionStatus.UNRECOGNISED
    assert catalogue_achievement.created_by_id == center.user.id
    # A required catalogue field left empty re-renders with the input kept.
    response = center.post(f"/admin/catalogue/new/?category={category.id}", data={
        "project_name": "全国计算机等级考试", "name": "三级证书", "institution": str(exam.id), "framework_level": "0"})
    assert response.status_code == 200 and 'value="三级证书"' in response.get_data(as_text=True)
    assert CatalogueAchievement.select().count() == 1


def test_a_saved_catalogue_achievement_cannot_be_edited_through_any_admin_url(center):
    catalogue_achievement = factories.make_catalogue(name="原名")
    before = CatalogueAchievement.get_by_id(catalogue_achievement.id).__data__.copy()
    center.get(f"/admin/catalogue/edit/?id={catalogue_achievement.id}")
    center.post(f"/admin/catalogue/edit/?id={catalogue_achievement.id}", data={"name": "改名", "project_name": "改"})
    center.post("/admin/catalogue/ajax/update/", data={"list_form_pk": catalogue_achievement.id, "name": "改名"})
    center.post(f"/admin/catalogue/new/?category={catalogue_achievement.category_id}&id={catalogue_achievement.id}",
                data={"id": catalogue_achievement.id, "name": "改名"})
    details = center.get(f"/admin/catalogue/details/?id={catalogue_achievement.id}").get_data(as_text=True)
    assert "data-readonly" in details and "/admin/catalogue/edit/" not in details
    assert CatalogueAchievement.get_by_id(catalogue_achievement.id).__data__ == before
    assert CatalogueAchievement.select().count() <= 2  # at most a new catalogue achievement, never a change
    with pytest.raises(ImmutableError):
        catalogue_achievement.name = "改名"
        catalogue_achievement.save()


def test_catalogue_achievements_are_deleted_only_while_not_recognised(center):
    learner = factories.make_learner()
    unrecognised = factories.make_catalogue()
    held = factories.make_achievement(learner, unrecognised)
    recognised = factories.make_catalogue(recognition_status=RecognitionStatus.RECOGNISED)
    center.post("/admin/catalogue/delete/", data={"id": recognised.id})
    center.post("/admin/catalogue/action/", data={"action": "delete", "rowid": [recognised.id]})
    assert CatalogueAchievement.get_or_none(id=recognised.id) is not None
    center.post("/admin/catalogue/delete/", data={"id": unrecognised.id})
    assert CatalogueAchievement.get_or_none(id=unrecognised.id) is None
    # The learner keeps the achievement, now without its catalogue link.
    assert LearnerAchievement.get_by_id(held.id).catalogue_id is None


def test_recognition_status_and_disable_change_through_actions_only(center):
    catalogue_achievement = factories.make_catalogue()
    center.post("/admin/catalogue/action/", data={"action": "recognised", "rowid": [catalogue_achievement.id]})
    assert CatalogueAchievement.get_by_id(catalogue_achievement.id).recognition_status == RecognitionStatus.RECOGNISED
    center.post("/admin/catalogue/action/", data={"action": "disable", "rowid": [catalogue_achievement.id]})
    assert CatalogueAchievement.get_by_id(catalogue_achievement.id).disabled is True
    assert not CatalogueAchievement.search().where(CatalogueAchievement.id == catalogue_achievement.id).exists()
    center.post("/admin/catalogue/action/", data={"action": "enable", "rowid": [catalogue_achievement.id]})
    assert CatalogueAchievement.search().where(CatalogueAchievement.id == catalogue_achievement.id).exists()


def test_catalogue_list_searches_by_project_name_and_institution(center):
    factories.make_catalogue(project_name="全国计算机等级考试", name="一级证书",
                             institution=factories.make_institution(name="教育部考试中心"))
    factories.make_catalogue(project_name="大学英语", name="四级证书")
    page = center.get("/admin/catalogue/?search=考试中心").get_data(as_text=True)
    assert "一级证书" in page and "四级证书" not in page
    page = center.get("/admin/catalogue/?search=大学英语").get_data(as_text=True)
    assert "四级证书" in page and "一级证书" not in page


def test_categories_with_stored_achievements_are_not_deleted(center):
    category = factories.category("perf_competition")
    factories.make_achievement(factories.make_learner(), category=category)
    center.post("/admin/categories/delete/", data={"id": category.id})
    assert Category.get_or_none(id=category.id) is not None
