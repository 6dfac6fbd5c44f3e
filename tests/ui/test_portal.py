"""The portal's sections as a visitor sees them, and the center's article editor."""
import io

import pytest

from models import Article, ArticleKind, ArticleStatus, Attachment, ConversionMethod, FrameworkLevel, now
from services.seed import demo
from tests import factories

MOBILE_MESSAGE = "必须为11位大陆手机号码"
PDF = factories.pdf_bytes()  # uploads are parsed: a real one-page PDF


def article(kind=ArticleKind.NEWS, status=ArticleStatus.PUBLISHED, **fields):
    fields.setdefault("title", f"标题{factories.next_id()}")
    fields.setdefault("body", "正文")
    fields.setdefault("published_at", now() if status == ArticleStatus.PUBLISHED else None)
    return Article.create(kind=kind, status=status, **fields)


@pytest.mark.parametrize("kind, url", [(ArticleKind.NEWS, "/news"), (ArticleKind.GUIDE, "/guides"),
                                       (ArticleKind.REGULATION, "/regulations")])
def test_each_section_lists_its_published_articles_only(client, kind, url):
    mine = article(kind, title="本栏目已发布")
    article(kind, status=ArticleStatus.DRAFT, title="本栏目草稿")
    other = ArticleKind.GUIDE if kind != ArticleKind.GUIDE else ArticleKind.NEWS
    article(other, title="别的栏目")
    page = client.get(url).get_data(as_text=True)
    assert f'/articles/{mine.id}"' in page and "本栏目草稿" not in page and "别的栏目" not in page
    assert 'aria-current="page"' in page  # its item is marked in the one navigation


def test_news_is_paged_by_date_newest_first(client):
    import datetime as dt

    for day in range(12):
        article(title=f"第{day:02d}天", published_at=now() - dt.timedelta(days=day))
    first = client.get("/news").get_data(as_text=True)
    second = client.get("/news?page=2").get_data(as_text=True)
    assert first.index("第00天") < first.index("第09天") and "第10天" not in first
    assert "第10天" in second and "第11天" in second and "第00天" not in second


def test_article_page_renders_markdown_sanitised(client):
    item = article(body="## 小标题\n\n**重点** <script>alert(1)</script> [恶意](javascript:alert(1)) [官网](https://gd.example.cn)")
    page = client.get(f"/articles/{item.id}").get_data(as_text=True)
    assert "<h2>小标题</h2>" in page and "<strong>重点</strong>" in page
    body = page.split('class="cb-article-body">')[1].split("</article>")[0]
    assert "<script" not in body and "&lt;script&gt;" in body and 'href="javascript' not in body
    assert 'href="https://gd.example.cn" rel="noopener noreferrer"' in page


def test_draft_article_and_its_attachment_are_not_public(client, client_as):
    draft = article(status=ArticleStatus.DRAFT)
    attachment = Attachment.create(owner_type="article", owner_id=draft.id, original_name="a.pdf", stored_name="x" * 32 + ".pdf",
                                   size=1, mime="application/pdf", sha256="0")
    assert client.get(f"/articles/{draft.id}").status_code == 404
    assert client.get(f"/files/{attachment.id}").status_code == 404
    assert client_as("learner").get(f"/files/{attachment.id}").status_code == 404


def test_center_writes_an_article_with_an_attachment_that_visitors_download(client_as, client):
    center = client_as("center")
    response = center.post("/admin/articles/new/", data={
        "kind": ArticleKind.GUIDE, "title": "办事指南", "body": "第一步 **登录**",
        "attachments": (io.BytesIO(PDF), "办事流程.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    item = Article.get(Article.title == "办事指南")
    assert item.status == ArticleStatus.DRAFT
    (attachment,) = Attachment.of("article", item.id)
    assert client.get(f"/files/{attachment.id}").status_code == 404  # a draft's file stays private
    Article.update(status=ArticleStatus.PUBLISHED, published_at=now()).where(Article.id == item.id).execute()
    page = client.get(f"/articles/{item.id}").get_data(as_text=True)
    assert "办事流程.pdf" in page and "<strong>登录</strong>" in page
    download = client.get(f"/files/{attachment.id}?download=1")
    assert download.status_code == 200 and download.data == PDF and "attachment" in download.headers["Content-Disposition"]

    edit = center.post(f"/admin/articles/edit/?id={item.id}", data={
        "kind": ArticleKind.GUIDE, "title": "办事指南", "body": "第一步", "remove_attachments": str(attachment.id),
    }, content_type="multipart/form-data")
    assert edit.status_code == 302
    assert not Attachment.of("article", item.id).exists()


def test_a_wrong_attachment_is_refused_next_to_its_field(client_as):
    center = client_as("center")
    response = center.post("/admin/articles/new/", data={
        "kind": ArticleKind.NEWS, "title": "带附件", "body": "正文",
        "attachments": (io.BytesIO(b"MZ not a pdf"), "tool.exe"),
    }, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and not Article.select().exists()
    assert "tool.exe：上传附件格式为" in page  # the field's own reason, in Chinese
    assert "Failed to create record" not in page and "保存失败，请按各项下方的提示修改。" in page


def test_institution_form_shows_each_fields_reason(client_as):
    """The center's institution form: labels in Chinese, and a bad mobile says why."""
    center = client_as("center")
    form = center.get("/admin/institutions/new/").get_data(as_text=True)
    assert ">Name" not in form and ">Kind" not in form
    response = center.post("/admin/institutions/new/", data={"name": "新机构", "kind": "college", "contact_phone": "1234567"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="invalid-feedback"' in page and "form-control is-invalid" in page
    assert MOBILE_MESSAGE in page.split('id="contact_phone"')[1][:600]


def test_framework_page_lists_the_seven_levels(client, reference):
    page = client.get("/framework").get_data(as_text=True)
    levels = list(FrameworkLevel.select().order_by(FrameworkLevel.level))
    assert len(levels) == 7
    for level in levels:
        assert f'data-level="{level.level}"' in page and level.knowledge in page


def test_methods_page_lists_published_methods_with_their_pdf(client):
    published = factories.make_method(factories.make_institution(name="甲学院"), name="甲学院转换办法")
    factories.make_method(factories.make_institution(name="乙学院"), published=False, name="乙学院转换办法草稿")
    pdf = Attachment.create(owner_type="method", owner_id=published.id, original_name="m.pdf", stored_name="y" * 32 + ".pdf",
                            size=1, mime="application/pdf", sha256="0")
    ConversionMethod.update(file=pdf).where(ConversionMethod.id == published.id).execute()
    page = client.get("/methods").get_data(as_text=True)
    assert "甲学院转换办法" in page and f"/files/{pdf.id}" in page and "乙学院转换办法草稿" not in page


def test_home_links_every_section_and_the_rule_count(client):
    page = client.get("/").get_data(as_text=True)
    for url in ("/news", "/guides", "/regulations", "/framework", "/rules", "/methods", "/verify"):
        assert f'href="{url}"' in page
    assert 'href="/rules" data-rule-count' in page
    assert client.get("/verify?code=ab12").headers["Location"].endswith("/verify/ab12")


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"


def test_learner_menu_links_the_framework_standard(client_as):
    page = client_as("learner").get("/me/").get_data(as_text=True)
    assert 'href="/framework"' in page and "广东终身教育资历框架等级标准" in page


def test_password_page_stays_in_the_admin_shell(client_as):
    page = client_as("reviewer").get("/password?normal=1").get_data(as_text=True)
    assert 'id="admin-navbar-collapse"' in page and "修改密码" in page
    learner = client_as("learner").get("/password?normal=1").get_data(as_text=True)
    assert 'href="/me/achievements/new"' in learner  # the learner menu


def test_demo_data_fills_every_section(app, client):
    demo.seed_demo()
    demo.seed_demo()  # idempotent
    for kind in ArticleKind.codes():
        assert Article.select().where(Article.kind == kind, Article.status == ArticleStatus.PUBLISHED).count() >= 2
    assert Attachment.select().where(Attachment.owner_type == "article").count() >= 2
    assert ConversionMethod.select().where(ConversionMethod.file.is_null(False)).exists()
    assert "/files/" in client.get("/methods").get_data(as_text=True)


def test_admin_list_speaks_chinese(client_as):
    page = client_as("center").get("/admin/articles/").get_data(as_text=True)
    assert 'placeholder="None"' not in page and 'placeholder="按标题搜索"' in page
    assert "20 items" not in page and "每页20条" in page
    assert "选中的" not in page and "批量操作" in page
    article()
    listed = client_as("center").get("/admin/articles/").get_data(as_text=True)
    assert ">查看</a>" in listed and ">修改</a>" in listed and ">删除</button>" in listed
