"""转换办法发布 and 转换规则管理 in the institution space (seed 004 §2.3, SPEC §7)."""
import io
import re
import time
from types import SimpleNamespace

import pytest

from models import (
    AuditLog,
    ConversionMethod,
    ConversionRule,
    PublishStatus,
    Role,
    RuleStatus,
    RuleTarget,
    User,
)
from services.ledger import commitment
from tests import factories
from tests.rules.conftest import has_read_commitment

PDF = factories.pdf_bytes()  # uploads are parsed: a real one-page PDF


def pdf(name="办法.pdf", data=PDF):
    return (io.BytesIO(data), name)


@pytest.fixture
def world(app, reference, client_as):
    """Two colleges A and B, each with an admin; A has a course and a non-degree
    certificate to convert into, B a diploma that A's rules take as source."""
    a = factories.make_institution(name="A学院")
    b = factories.make_institution(name="B学院")
    a_admin = factories.make_user(Role.INSTITUTION, institution=a)
    b_admin = factories.make_user(Role.INSTITUTION, institution=b)
    course = factories.make_catalogue("inst_voc_course", institution=a, name="云计算技术应用课程", fields={
        "course_name": "云计算技术应用", "course_code": "JW2018201", "hours": "64", "credits": "4"})
    diploma = factories.make_catalogue("inst_voc_diploma", institution=a, name="计算机网络技术专业毕业证书",
                                       fields={"major": "计算机网络技术", "level": "专科(高职)"})
    certificate = factories.make_catalogue("inst_other_cert", institution=a, name="A学院书法结业证书")
    b_source = factories.make_catalogue("inst_x_cert", institution=b, name="B学院云计算X证书")
    b_diploma = factories.make_catalogue("inst_he_diploma", institution=b, name="B学院经济统计学毕业证书")
    return SimpleNamespace(a=a, b=b, a_admin=a_admin, b_admin=b_admin, course=course, diploma=diploma,
                           certificate=certificate, b_source=b_source, b_diploma=b_diploma,
                           client_a=client_as(a_admin), client_b=client_as(b_admin))


def token_on(page):
    return re.search(r'name="commitment_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="commitment_token"',
                     page).group(1)


def aged_token(user, seconds):
    return commitment.issue(user, shown_at=time.time() - seconds)


# --- the 信息发布安全承诺书 -----------------------------------------------------------------


def test_the_security_commitment_is_shown_the_first_time_and_needs_4_seconds(world):
    client, user = world.client_a, world.a_admin
    page = client.get("/admin/inst_methods/new/").get_data(as_text=True)
    assert "信息发布安全承诺书" in page and "我已阅读并同意" in page
    token = re.search(r'id="commitment_token" name="commitment_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"name": "A学院转换办法", "commitment": "y", "commitment_token": token, "commitment_read": "1"}

    # Sent back at once (the page was on screen < 4 s): refused, nothing saved.
    page = client.post("/admin/inst_methods/new/", data={**data, "file": pdf()}).get_data(as_text=True)
    assert "请阅读信息发布安全承诺书至少4秒" in page
    assert not ConversionMethod.select().exists() and User.get_by_id(user.id).commitment_read_at is None
    # Not confirmed as read, a forged token, another user's token: refused.
    for forged in ({**data, "commitment_read": ""}, {**data, "commitment_token": token + "x"},
                   {**data, "commitment_token": aged_token(world.b_admin, 10)}):
        client.post("/admin/inst_methods/new/", data={**forged, "file": pdf()})
        assert not ConversionMethod.select().exists()
    # Read for 4 s or more: accepted once, and remembered.
    response = client.post("/admin/inst_methods/new/",
                           data={**data, "commitment_token": aged_token(user, 5), "file": pdf()})
    assert response.status_code == 302
    assert User.get_by_id(user.id).commitment_read_at is not None
    assert AuditLog.get(AuditLog.action == "publication_commitment_read").user_id == user.id
    assert "我已阅读并同意" not in client.get("/admin/inst_methods/new/").get_data(as_text=True)


def test_each_upload_needs_its_commitment_checkbox_and_a_real_pdf(world):
    client = world.client_a
    has_read_commitment(world.a_admin)
    page = client.post("/admin/inst_methods/new/", data={"name": "办法", "file": pdf()}).get_data(as_text=True)
    assert "请勾选郑重承诺" in page
    page = client.post("/admin/inst_methods/new/", data={
        "name": "办法", "commitment": "y", "file": pdf(data=b"GIF89a not a pdf")}).get_data(as_text=True)
    assert not ConversionMethod.select().exists()
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1)
    client.post("/admin/inst_methods/new/", data={"name": "办法", "commitment": "y", "file": pdf(data=big)})
    assert not ConversionMethod.select().exists()
    assert client.post("/admin/inst_methods/new/", data={"name": "办法", "commitment": "y", "file": pdf()}
                       ).status_code == 302
    method = ConversionMethod.get()
    assert method.institution_id == world.a.id and method.status == PublishStatus.UNPUBLISHED
    assert method.file.owner_id == method.id


# --- 转换办法发布 ------------------------------------------------------------------------------


def test_one_published_method_unpublish_and_edit_delete_only_when_unpublished(world):
    client = world.client_a
    has_read_commitment(world.a_admin)
    # 发布 straight from the upload form.
    client.post("/admin/inst_methods/new/", data={"name": "办法一", "commitment": "y", "file": pdf(),
                                                  "submit_action": "publish"})
    client.post("/admin/inst_methods/new/", data={"name": "办法二", "commitment": "y", "file": pdf()})
    first, second = ConversionMethod.select().order_by(ConversionMethod.id)
    assert first.status == PublishStatus.PUBLISHED and second.status == PublishStatus.UNPUBLISHED
    page = client.post("/admin/inst_methods/action/", data={"action": "publish", "rowid": second.id},
                       follow_redirects=True).get_data(as_text=True)
    assert "已有一条已发布状态的转换办法" in page
    assert ConversionMethod.get_by_id(second.id).status == PublishStatus.UNPUBLISHED
    listing = client.get("/admin/inst_methods/").get_data(as_text=True)
    row = listing[listing.index(f'data-method="{first.id}"'):]
    row = row[:row.index("</tr>")]
    assert "撤销发布" in row and "修改" not in row and "删除" not in row
    # A published method: no edit, no delete.
    client.post(f"/admin/inst_methods/edit/?id={first.id}", data={"name": "改名", "commitment": "y"})
    client.post("/admin/inst_methods/delete/", data={"id": first.id})
    assert ConversionMethod.get_by_id(first.id).name == "办法一"
    # 撤销发布 → 未发布, then editable and deletable; the filter by status finds it.
    client.post("/admin/inst_methods/action/", data={"action": "unpublish", "rowid": first.id})
    assert ConversionMethod.get_by_id(first.id).status == PublishStatus.UNPUBLISHED
    assert client.post(f"/admin/inst_methods/edit/?id={first.id}", data={"name": "改名", "commitment": "y"}
                       ).status_code == 302
    assert ConversionMethod.get_by_id(first.id).name == "改名"
    client.post("/admin/inst_methods/delete/", data={"id": second.id})
    assert ConversionMethod.get_or_none(id=second.id) is None
    unpublished = client.get("/admin/inst_methods/?status=unpublished").get_data(as_text=True)
    assert "改名" in unpublished
    assert "改名" not in client.get("/admin/inst_methods/?status=published").get_data(as_text=True)


def test_published_methods_per_institution(world):
    factories.make_method(world.a, name="A办法")
    factories.make_method(world.b, name="B办法草稿", published=False)
    assert [m.name for m in ConversionMethod.published_per_institution()] == ["A办法"]


# --- 转换规则管理 ------------------------------------------------------------------------------


def rule_data(world, **extra):
    return {"name": "X证书转云计算课程", "rule_type": "nd2d", "sources": str(world.b_source.id),
            "courses": str(world.course.id), "majors": str(world.diploma.id), "target_major": "计算机网络技术",
            "target_major_code": "510202", "target_level": "associate", "description": "持证者可免修。",
            "commitment": "y", **extra}


def test_a_rule_needs_a_conversion_method_first(world):
    client = world.client_a
    has_read_commitment(world.a_admin)
    page = client.get("/admin/inst_rules/new/").get_data(as_text=True)
    assert "须先上传转换办法" in page and "/admin/inst_methods/new/" in page
    assert "/admin/inst_methods/new/" in client.get("/admin/inst_rules/").get_data(as_text=True)
    page = client.post("/admin/inst_rules/new/", data=rule_data(world)).get_data(as_text=True)
    assert "请先上传该机构的转换办法" in page and not ConversionRule.select().exists()


def test_rule_lifecycle_in_the_institution_space(world):
    client = world.client_a
    has_read_commitment(world.a_admin)
    factories.make_method(world.a)
    # The commitment checkbox is required on every save.
    client.post("/admin/inst_rules/new/", data=rule_data(world, commitment=""))
    assert not ConversionRule.select().exists()
    # A degree target needs a course.
    page = client.post("/admin/inst_rules/new/", data=rule_data(world, courses="")).get_data(as_text=True)
    assert "目标成果为专业、课程时，课程必填" in page and not ConversionRule.select().exists()
    response = client.post("/admin/inst_rules/new/", data={**rule_data(world), "file": pdf("规则.pdf")})
    assert response.status_code == 302
    rule = ConversionRule.get()
    assert rule.status == RuleStatus.DRAFT and rule.institution_id == world.a.id and re.fullmatch(r"\d{12}", rule.code)
    assert rule.file.owner_id == rule.id
    assert {t.catalogue_id for t in RuleTarget.select().where(RuleTarget.rule == rule)} == {
        world.course.id, world.diploma.id}
    # 查看: the 004 detail page.
    details = client.get(f"/admin/inst_rules/details/?id={rule.id}").get_data(as_text=True)
    for text in ("B学院云计算X证书", "非学历成果", "B学院", "云计算技术应用 (JW2018201)", "原始学时: 64",
                 "原始学分: 4", "计算机网络技术 (510202)", "专科(高职)", "持证者可免修。", "规则.pdf",
                 "本转换规则的解释权归A学院所有"):
        assert text in details, text
    # 修改 while 未提交; 发布; then neither 修改 nor 删除; 撤回发布 → 下架 → 修改 again.
    assert client.post(f"/admin/inst_rules/edit/?id={rule.id}", data=rule_data(world, name="改名一")
                       ).status_code == 302
    assert ConversionRule.get_by_id(rule.id).name == "改名一"
    client.post("/admin/inst_rules/action/", data={"action": "publish", "rowid": rule.id})
    assert ConversionRule.get_by_id(rule.id).status == RuleStatus.PUBLISHED
    assert "改名一" in client.get("/rules").get_data(as_text=True)
    # A published rule is not deleted; 修改 makes version 2, version 1 stays as it was.
    client.post("/admin/inst_rules/delete/", data={"id": rule.id})
    assert ConversionRule.get_by_id(rule.id).status == RuleStatus.PUBLISHED
    client.post(f"/admin/inst_rules/edit/?id={rule.id}", data=rule_data(world, name="改名二"))
    first, rule = ConversionRule.get_by_id(rule.id), ConversionRule.get(ConversionRule.version == 2)
    assert (first.name, first.status, rule.name, rule.status, rule.code) == (
        "改名一", RuleStatus.SUPERSEDED, "改名二", RuleStatus.PUBLISHED, first.code)
    client.post("/admin/inst_rules/action/", data={"action": "take_down", "rowid": rule.id})
    assert ConversionRule.get_by_id(rule.id).status == RuleStatus.WITHDRAWN
    assert "改名二" not in client.get("/rules").get_data(as_text=True)
    assert client.get(f"/admin/inst_rules/edit/?id={rule.id}").status_code == 200
    # Taken down before anyone applied: 修改 in place; with earlier versions, never deleted.
    assert client.post(f"/admin/inst_rules/edit/?id={rule.id}", data=rule_data(world, name="改名三")
                       ).status_code == 302
    assert ConversionRule.get_by_id(rule.id).name == "改名三"
    client.post("/admin/inst_rules/delete/", data={"id": rule.id})
    assert ConversionRule.select().count() == 2


def test_publish_from_the_form_and_a_non_degree_target_with_exempt_modules(world):
    client = world.client_a
    has_read_commitment(world.a_admin)
    factories.make_method(world.a)
    data = {"name": "学历转书法证书", "rule_type": "d2nd", "sources": str(world.b_diploma.id),
            "non_degree": str(world.certificate.id), "modules-0-name": "实操", "modules-0-credits": "2",
            "modules-1-name": "机考", "modules-1-credits": "2", "commitment": "y", "submit_action": "publish"}
    # A non-degree target type refuses a degree target in the wrong place (sources too).
    page = client.post("/admin/inst_rules/new/", data={**data, "sources": str(world.b_source.id)}
                       ).get_data(as_text=True)
    assert "源成果与转换规则类型不符" in page and not ConversionRule.select().exists()
    assert client.post("/admin/inst_rules/new/", data=data).status_code == 302
    rule = ConversionRule.get()
    assert rule.status == RuleStatus.PUBLISHED
    target = RuleTarget.get(RuleTarget.rule == rule)
    assert target.modules == [{"name": "实操", "credits": "2"}, {"name": "机考", "credits": "2"}]
    assert target.exempt_modules == "实操 (2学分)、机考 (2学分)"
    assert "实操 (2学分)、机考 (2学分)" in client.get("/admin/inst_rules/").get_data(as_text=True)
    # The edit form shows the modules back (after 撤回发布).
    client.post("/admin/inst_rules/action/", data={"action": "take_down", "rowid": rule.id})
    form = client.get(f"/admin/inst_rules/edit/?id={rule.id}").get_data(as_text=True)
    assert 'value="实操"' in form and 'value="机考"' in form


def test_rules_related_to_me_and_the_filters(world):
    """B publishes a rule whose source is A's achievement: A sees it under 与我相关."""
    factories.make_method(world.b)
    mine = factories.make_rule([world.b_source], [world.course], institution=world.a, name="A自己的规则",
                               status=RuleStatus.DRAFT)
    b_target = factories.make_catalogue("inst_voc_course", institution=world.b, name="B学院课程")
    related = factories.make_rule([world.course], [b_target], institution=world.b, name="B用A成果的规则")
    factories.make_rule([world.course], [b_target], institution=world.b, name="B未发布的规则",
                        status=RuleStatus.DRAFT)
    unrelated = factories.make_catalogue("inst_voc_course", institution=world.b, name="B学院另一课程")
    factories.make_rule([unrelated], [b_target], institution=world.b, name="与A无关的规则")
    client = world.client_a
    mine_page = client.get("/admin/inst_rules/").get_data(as_text=True)
    assert "A自己的规则" in mine_page and "B用A成果的规则" not in mine_page
    related_page = client.get("/admin/inst_rules/?tab=related").get_data(as_text=True)
    assert "B用A成果的规则" in related_page
    assert "B未发布的规则" not in related_page and "与A无关的规则" not in related_page
    assert "A自己的规则" not in related_page
    details = client.get(f"/admin/inst_rules/related/?id={related.id}").get_data(as_text=True)
    assert "本转换规则的解释权归B学院所有" in details and 'name="action"' not in details
    # B's rule is A's to look at, never to change.
    assert client.get(f"/admin/inst_rules/details/?id={related.id}").status_code == 404
    assert client.get(f"/admin/inst_rules/related/?id={mine.id}").status_code == 404
    # 申请转换 on a related rule opens the batch screen (批量选择学员).
    assert f'href="/admin/inst_batch/apply/{related.id}/" data-action="apply"' in related_page
    # Filters: 规则编码, 类型, 源成果名称, 目标成果名称, 机构, 状态.
    for query, expected in ((f"code={related.code}", True), ("code=999999", False), ("rule_type=nd2d", True),
                            ("rule_type=d2d", False), ("source=云计算技术", True), ("source=书法", False),
                            ("target=B学院课程", True), ("target=无此成果", False), ("institution=B学院", True),
                            ("institution=C学院", False), ("status=published", True), ("status=draft", False)):
        page = client.get(f"/admin/inst_rules/?tab=related&{query}").get_data(as_text=True)
        assert ("B用A成果的规则" in page) is expected, query


def test_home_counts_link_to_the_filtered_rule_list(world):
    factories.make_method(world.a)
    for status in (RuleStatus.DRAFT, RuleStatus.DRAFT, RuleStatus.PUBLISHED, RuleStatus.WITHDRAWN):
        factories.make_rule([world.b_source], [world.course], institution=world.a, status=status)
    home = world.client_a.get("/admin/").get_data(as_text=True)
    assert re.search(r'data-count="rules_draft" href="/admin/inst_rules/\?status=draft">2<', home)
    assert re.search(r'data-count="rules_published" href="/admin/inst_rules/\?status=published">1<', home)
    assert re.search(r'data-count="rules_withdrawn" href="/admin/inst_rules/\?status=withdrawn">1<', home)
    assert re.search(r'data-count="rules" href="/admin/inst_rules/">4<', home)
    assert 'href="/admin/inst_rules/">发布转换规则<' in home
    draft_list = world.client_a.get("/admin/inst_rules/?status=draft").get_data(as_text=True)
    assert draft_list.count("data-rule=") == 2
