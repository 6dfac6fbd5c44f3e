"""The center's spreadsheets (catalogue and learner-account import, exports of its lists)
and its read-only system lists and portal articles."""
import io

import openpyxl

from models import (
    AccountStatus,
    Article,
    ArticleStatus,
    AuditLog,
    CatalogueAchievement,
    EmailOutbox,
    ImportBatch,
    SmsOutbox,
    SmsPurpose,
    SmsStatus,
    ThrottleHit,
    User,
    VerificationCode,
)
from services.messaging import sms
from tests import factories
from tests.factories import valid_id_number


def xlsx(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, url, content, **fields):
    return client.post(url, data={**fields, "file": (io.BytesIO(content), "data.xlsx")},
                       content_type="multipart/form-data")


def test_catalogue_import_names_the_institution_per_row(center):
    factories.make_institution(name="教育部考试中心")
    category = factories.category("qualification")
    header = ["项目名称", "成果名称", "资历机构", "职业技能鉴定机构名称", "证书等级", "职业(工种)", "文化程度", "学分银行学分"]
    content = xlsx([header,
                    ["全国计算机等级考试", "一级证书", "教育部考试中心", "教育部考试中心", "一级", "操作员", "不限", 2],
                    ["全国计算机等级考试", "二级证书", "不存在的机构", "教育部考试中心", "二级", "操作员", "不限", 3]])
    response = upload(center, "/admin/catalogue/import/?kind=catalogue", content, target=str(category.id))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    batch = ImportBatch.get()
    assert (batch.accepted, batch.rejected) == (1, 1)
    catalogue_achievement = CatalogueAchievement.get()
    assert catalogue_achievement.name == "一级证书" and catalogue_achievement.fields["certificate_level"] == "一级"
    page = center.get("/admin/catalogue/").get_data(as_text=True)
    assert 'data-excel="import"' in page and 'data-excel="export"' in page


def test_learner_accounts_import_creates_inactive_learners(center):
    content = xlsx([["学员姓名", "身份证号", "手机号码"], ["陈一", valid_id_number(7001), "13600000001"]])
    response = upload(center, "/admin/learners/import/", content)
    assert response.status_code == 302
    learner = User.get(User.real_name == "陈一")
    assert learner.status == AccountStatus.INACTIVE and learner.role == "learner"


def test_the_learner_list_exports_with_an_sms_code(center):
    factories.make_learner(real_name="导出甲")
    code = sms.issue_code(center.user.phone, SmsPurpose.EXPORT)
    response = factories.export(center, "/admin/learners/export/", {"code": code})
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    assert rows[0][:2] == ["用户名", "学员姓名"] and any(r[1] == "导出甲" for r in rows[1:])
    assert AuditLog.get(AuditLog.action == "export").details["view"] == "learners"


def test_articles_are_drafts_until_published(center, client):
    response = center.post("/admin/articles/new/", data={"kind": "news", "title": "学分银行新规发布", "body": "正文"})
    assert response.status_code == 302
    article = Article.get()
    assert article.status == ArticleStatus.DRAFT and article.author_id == center.user.id
    assert "学分银行新规发布" not in client.get("/").get_data(as_text=True)
    center.post("/admin/articles/action/", data={"action": "publish", "rowid": [article.id]})
    after = Article.get_by_id(article.id)
    assert after.status == ArticleStatus.PUBLISHED and after.published_at is not None
    assert "学分银行新规发布" in client.get("/").get_data(as_text=True)
    center.post("/admin/articles/action/", data={"action": "draft", "rowid": [article.id]})
    assert Article.get_by_id(article.id).status == ArticleStatus.DRAFT
    assert "学分银行新规发布" not in client.get("/").get_data(as_text=True)


def test_outbox_and_audit_log_are_read_only_and_filterable(center):
    sms.send("13500000001", "测试短信")
    factories.make_learner()
    AuditLog.create(user=center.user, action="catalogue_created", object_type="CatalogueAchievement", object_id=1)
    AuditLog.create(user=None, action="password_changed", object_type=None)
    page = center.get("/admin/sms_outbox/?search=13500000001").get_data(as_text=True)  # by the whole number
    outbox = page.split("</thead>")[1].split("</table>")[0]
    assert "测试短信" in outbox and "135****0001" in outbox
    assert "13500000001" not in center.get("/admin/sms_outbox/").get_data(as_text=True)  # masked in the list
    for url in ("/admin/sms_outbox/new/", "/admin/audit_log/new/", "/admin/audit_log/edit/?id=1"):
        center.post(url, data={"action": "forged", "body": "x"})
    assert not AuditLog.select().where(AuditLog.action == "forged").exists()
    assert SmsOutbox.select().count() == 1
    def rows(url):  # the table only: the filter's options name every action
        return center.get(url).get_data(as_text=True).split("</thead>")[1].split("</table>")[0]

    by_action = rows("/admin/audit_log/?flt0_1=catalogue_created")
    assert "新增名录成果" in by_action and "修改密码" not in by_action
    by_user = rows(f"/admin/audit_log/?flt0_0={center.user.username}")
    assert "新增名录成果" in by_user and "修改密码" not in by_user
    center.post("/admin/audit_log/delete/", data={"id": 1})
    assert AuditLog.select().count() >= 2


def test_every_center_list_with_an_export_writes_its_rows(center):
    """导出 of institutions, rules, staff and the audit log (SMS-verified like every export)."""
    factories.make_rule([factories.make_catalogue()], [factories.make_catalogue("course")], name="导出规则")
    AuditLog.create(user=center.user, action="catalogue_created")
    expected = {"institutions": "测试机构", "center_rules": "导出规则", "users": center.user.username,
                "audit_log": "新增名录成果", "catalogue": "名录成果"}
    for endpoint, text in expected.items():
        VerificationCode.delete().execute()  # no resend cool-down between the exports
        ThrottleHit.delete().execute()
        code = sms.issue_code(center.user.phone, SmsPurpose.EXPORT)
        response = factories.export(center, f"/admin/{endpoint}/export/", {"code": code})
        assert response.status_code == 200, endpoint
        cells = [str(c) for row in openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)
                 for c in row if c is not None]
        assert any(text in c for c in cells), (endpoint, cells[:20])


def test_email_outbox_shows_and_filters_each_delivery(center):
    """电子邮件发件箱: each row's delivery status, attempts and the server's answer; the
    status filter keeps the failed ones."""
    EmailOutbox.create(email="sent@example.com", subject="激活成功", body="b", status=SmsStatus.SENT, attempts=1)
    EmailOutbox.create(email="lost@example.com", subject="审核结果", body="b", status=SmsStatus.FAILED, attempts=3,
                       error="550 mailbox unavailable")

    def rows(url):
        return center.get(url).get_data(as_text=True).split("</thead>")[1].split("</table>")[0]

    listed = rows("/admin/email_outbox/")
    assert "已发送" in listed and "550 mailbox unavailable" in listed
    failed = rows("/admin/email_outbox/?flt0_0=failed")
    assert "lost@example.com" in failed and "sent@example.com" not in failed
