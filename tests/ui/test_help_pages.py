"""服务支持 and 关于我们 are portal pages made of the center's articles; 在线解答 is the
center's questions and answers, by category, searched by words; the center keeps them in
the admin and an unpublished one stays off the page."""
import re

from flask import g

from models import Article, ArticleKind, ArticleStatus, FaqCategory, FaqEntry
from services import seed


def center(app):
    client = app.test_client()
    g.__dict__.clear()
    client.post("/login", data={"identity": "person", "identifier": "center", "password": seed.DEMO_PASSWORD})
    return client


def test_support_and_about_show_the_centers_published_articles(app, client):
    seed.seed_demo()
    for url, kind in (("/support", ArticleKind.SUPPORT), ("/about", ArticleKind.ABOUT)):
        page = client.get(url).get_data(as_text=True)
        published = Article.select().where(Article.kind == kind, Article.status == ArticleStatus.PUBLISHED)
        assert published.count() >= 1 and all(a.title in page for a in published)
    draft = Article.create(kind=ArticleKind.SUPPORT, title="尚未发布的支持说明", body="草稿", status=ArticleStatus.DRAFT)
    assert draft.title not in client.get("/support").get_data(as_text=True)
    footer = client.get("/").get_data(as_text=True).split("<footer")[1]
    assert all(link in footer for link in ('href="/support"', 'href="/about"', 'href="/faq"'))


def test_the_faq_is_searched_and_filtered_by_category(app, client):
    seed.seed_demo()
    everything = client.get("/faq").get_data(as_text=True)
    assert len(re.findall(r"data-faq=", everything)) == FaqEntry.select().count() >= 8
    found = client.get("/faq?q=学位外语").get_data(as_text=True)
    assert len(re.findall(r"data-faq=", found)) == 1 and "学位外语" in found and "data-faq-count" in found
    category = FaqCategory.get(FaqCategory.name == "账户与登录")
    only = client.get(f"/faq?category={category.id}").get_data(as_text=True)
    shown = set(re.findall(r'data-faq="(\d+)"', only))
    assert shown == {str(e.id) for e in FaqEntry.select().where(FaqEntry.category == category)}
    assert "data-faq-empty" in client.get("/faq?q=没有这个词").get_data(as_text=True)


def test_the_center_keeps_the_answers(app):
    seed.seed_demo()
    admin = center(app)
    category = FaqCategory.get(FaqCategory.name == "成果转换")
    page = admin.get("/admin/faq_entries/new/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"category": str(category.id), "question": "转换申请被退回后还能再申请吗？", "answer": "可以，修改材料后重新提交。",
            "published": "y", "sort_order": "9"}
    if token:
        data["csrf_token"] = token.group(1)
    assert admin.post("/admin/faq_entries/new/", data=data).status_code == 302
    entry = FaqEntry.get(FaqEntry.question == "转换申请被退回后还能再申请吗？")
    assert "转换申请被退回后" in app.test_client().get("/faq?q=退回").get_data(as_text=True)
    FaqEntry.update(published=False).where(FaqEntry.id == entry.id).execute()
    assert "转换申请被退回后" not in app.test_client().get("/faq?q=退回").get_data(as_text=True)
    # A category holding questions is not deleted.
    admin.post("/admin/faq_categories/delete/", data={"id": str(category.id), "csrf_token": data.get("csrf_token", "")})
    assert FaqCategory.get_or_none(FaqCategory.id == category.id) is not None


def test_learners_find_the_faq_in_their_menu(app):
    seed.seed_demo()
    client = app.test_client()
    g.__dict__.clear()
    client.post("/login", data={"identity": "person", "identifier": "learner", "password": seed.DEMO_PASSWORD})
    home = client.get("/me/").get_data(as_text=True)
    assert 'href="/faq"' in home.split("</header>")[0]
    assert "cb-bottom-nav" in client.get("/faq").get_data(as_text=True)  # inside the learner's layout
