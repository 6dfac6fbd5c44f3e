"""Institutions, authorisations, and methods and rules maintained by the center (SPEC §2, §7)."""
import io

import pytest

from models import (
    AuditLog,
    Category,
    ConversionMethod,
    ConversionRule,
    Institution,
    InstitutionAuthorisation,
    InstitutionStatus,
    PublishStatus,
    Role,
    RuleSource,
    RuleStatus,
    RuleTarget,
    SmsOutbox,
    User,
)
from tests import factories
from tests.rules.conftest import has_read_commitment

PDF = factories.pdf_bytes()


def test_institution_created_with_an_account_gets_its_login_name_and_a_link(center, sms_delivered):
    dept = factories.make_institution("province_dept", name="广东省教育厅")
    response = center.post("/admin/institutions/new/", data={
        "name": "广东开放大学", "kind": "college", "department": str(dept.id), "school_code": "10001",
        "contact_name": "王老师", "account_username": "gdou", "account_phone": "13700003333"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    institution = Institution.get(Institution.name == "广东开放大学")
    account = User.get(User.username == "gdou")
    assert account.role == Role.INSTITUTION and account.institution_id == institution.id and account.must_change_password
    body = SmsOutbox.get(SmsOutbox.phone == "13700003333").body
    assert "gdou" in body and "广东开放大学" in body and "设置密码" in body
    sent = sms_delivered[-1][1]  # the notice template carries the whole text: login name and link
    assert "gdou" in sent and factories.password_link(sent)
    assert AuditLog.get(AuditLog.action == "institution_created").object_id == institution.id
    page = center.get(f"/admin/institutions/?flt0_1={dept.id}").get_data(as_text=True)
    assert "广东开放大学" in page


def test_approve_disable_and_counts(center):
    pending = factories.make_institution(name="待审院校", status=InstitutionStatus.PENDING)
    factories.make_catalogue(institution=pending)
    center.post("/admin/institutions/action/", data={"action": "approve", "rowid": [pending.id]})
    assert Institution.get_by_id(pending.id).status == InstitutionStatus.ACTIVE
    center.post("/admin/institutions/action/", data={"action": "disable", "rowid": [pending.id]})
    assert Institution.get_by_id(pending.id).status == InstitutionStatus.DISABLED
    details = center.get(f"/admin/institutions/details/?id={pending.id}").get_data(as_text=True)
    assert 'data-count="catalogue_count">1<' in details


def test_authorising_non_degree_types(center):
    college = factories.make_institution()
    needs = list(Category.select().where(Category.requires_authorisation))
    free = Category.get(Category.code == "inst_voc_diploma")
    center.post(f"/admin/institutions/authorise/?id={college.id}",
                data={"category": [str(needs[0].id), str(free.id)]})
    granted = [a.category_id for a in InstitutionAuthorisation.select()]
    assert granted == [needs[0].id]  # a type that needs no authorisation is not stored
    center.post(f"/admin/institutions/authorise/?id={college.id}", data={"category": [str(needs[1].id)]})
    assert [a.category_id for a in InstitutionAuthorisation.select()] == [needs[1].id]
    assert AuditLog.select().where(AuditLog.action == "institution_authorised").count() == 2


@pytest.fixture(autouse=True)
def _commitment_read(center):
    """The 信息发布安全承诺书 itself is tested in tests/rules."""
    has_read_commitment(center.user)


def upload_method(center, college, name):
    return center.post("/admin/center_methods/new/", data={
        "institution": str(college.id), "name": name, "commitment": "y",
        "file": (io.BytesIO(PDF), "办法.pdf")}, content_type="multipart/form-data")


def test_a_second_published_method_is_refused_in_the_admin(center):
    college = factories.make_institution(name="广东理工职业学院")
    assert upload_method(center, college, "办法一").status_code == 302
    assert upload_method(center, college, "办法二").status_code == 302
    first, second = ConversionMethod.select().order_by(ConversionMethod.id)
    assert first.file.owner_id == first.id
    center.post("/admin/center_methods/action/", data={"action": "publish", "rowid": [first.id]})
    response = center.post("/admin/center_methods/action/", data={"action": "publish", "rowid": [second.id]},
                           follow_redirects=True)
    assert "已有一条已发布状态的转换办法" in response.get_data(as_text=True)
    assert ConversionMethod.get_by_id(second.id).status == PublishStatus.UNPUBLISHED
    # A published method is not deleted.
    center.post("/admin/center_methods/delete/", data={"id": first.id})
    assert ConversionMethod.get_or_none(id=first.id) is not None


def test_a_method_must_be_a_pdf(center):
    college = factories.make_institution()
    response = center.post("/admin/center_methods/new/", data={
        "institution": str(college.id), "name": "办法", "commitment": "y",
        "file": (io.BytesIO(b"GIF89a fake"), "办法.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 200 and not ConversionMethod.select().exists()


def test_rules_created_edited_published_and_taken_down_in_the_admin(center):
    college = factories.make_institution(name="广东开放大学")
    source = factories.make_catalogue(name="全国计算机等级考试一级证书")
    target = factories.make_catalogue("course", name="计算机应用基础", institution=college)
    data = {"institution": str(college.id), "name": "一级证书转计算机应用基础", "rule_type": "nd2d",
            "sources": str(source.id), "courses": str(target.id), "commitment": "y",
            "target_level": ""}
    response = center.post("/admin/center_rules/new/", data=data)
    assert "请先上传该机构的转换办法" in response.get_data(as_text=True)
    assert not ConversionRule.select().exists()
    factories.make_method(college)
    assert center.post("/admin/center_rules/new/", data=data).status_code == 302
    rule = ConversionRule.get()
    assert rule.status == RuleStatus.DRAFT and len(rule.code) == 12
    assert RuleTarget.get(RuleTarget.rule == rule).catalogue_id == target.id
    # Catalogue search for the pickers: by institution name.
    found = center.get("/admin/center_rules/ajax/lookup/?name=sources&query=开放大学").get_json()
    assert [item[0] for item in found] == [target.id]
    assert "一级证书转计算机应用基础" not in center.get("/rules").get_data(as_text=True)
    center.post("/admin/center_rules/action/", data={"action": "publish", "rowid": [rule.id]})
    assert ConversionRule.get_by_id(rule.id).status == RuleStatus.PUBLISHED
    assert "一级证书转计算机应用基础" in center.get("/rules").get_data(as_text=True)  # 规则查询
    # Published: no delete (修改 makes a new version: tests/rules/test_rule_versions.py).
    center.post("/admin/center_rules/delete/", data={"id": rule.id})
    assert ConversionRule.get_by_id(rule.id).name == "一级证书转计算机应用基础"
    center.post("/admin/center_rules/action/", data={"action": "take_down", "rowid": [rule.id]})
    assert center.post(f"/admin/center_rules/edit/?id={rule.id}", data={**data, "name": "改名"}).status_code == 302
    assert ConversionRule.get_by_id(rule.id).name == "改名"
    assert RuleSource.select().where(RuleSource.rule == rule).count() == 1
    center.post("/admin/center_rules/delete/", data={"id": rule.id})
    assert not ConversionRule.select().exists()


def test_a_rule_target_must_belong_to_the_rule_s_institution(center):
    college = factories.make_institution()
    factories.make_method(college)
    source = factories.make_catalogue()
    foreign_target = factories.make_catalogue("course")
    page = center.post("/admin/center_rules/new/", data={
        "institution": str(college.id), "name": "规则", "rule_type": "nd2d", "sources": str(source.id),
        "courses": str(foreign_target.id), "commitment": "y", "target_level": ""}).get_data(as_text=True)
    assert "目标成果须为制定规则机构的成果" in page and not ConversionRule.select().exists()


def test_a_method_is_edited_only_while_unpublished(center):
    college = factories.make_institution()
    upload_method(center, college, "旧名")
    method = ConversionMethod.get()
    assert center.post(f"/admin/center_methods/edit/?id={method.id}", data={"name": "新名", "commitment": "y"}).status_code == 302
    assert ConversionMethod.get_by_id(method.id).name == "新名"
    center.post("/admin/center_methods/action/", data={"action": "publish", "rowid": [method.id]})
    center.post(f"/admin/center_methods/edit/?id={method.id}", data={"name": "再改", "commitment": "y"})
    assert ConversionMethod.get_by_id(method.id).name == "新名"
