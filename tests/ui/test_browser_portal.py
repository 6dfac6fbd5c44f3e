"""In a real browser: a visitor's walk through the portal, every learner page and the
portal on a 390 px phone (no sideways scrolling), and axe-core's accessibility check
(0 violations of any impact, minor included) on the portal, login, register, every learner page and
the main admin pages of each role. One browser, one context per role, few pages each."""
import pytest
from axe_playwright_python.sync_playwright import Axe

from models import Application, ApplicationStatus
from services.seed import demo as seed

pytestmark = pytest.mark.browser

PUBLIC = ["/", "/news", "/guides", "/regulations", "/framework", "/rules", "/methods", "/verify", "/login", "/register",
          "/activate", "/forgot-password", "/institution/register", "/support", "/about", "/faq", "/faq?q=密码",
          "/forgot-password/email", "/offline"]
LEARNER_PAGES = ["/me/", "/me/achievements/new", "/me/recognition", "/me/conversions", "/me/performance",
                 "/me/feedback", "/me/inbox", "/rules", "/framework", "/password?normal=1"]
ADMIN_ROLES = {"center": "person", "reviewer": "person", "committee": "person", "institution": "institution",
               "jiaowu01": "institution"}
axe = Axe()


def serious_violations(page):
    """Every violation axe-core finds, whatever its impact (minor ones included)."""
    results = axe.run(page)
    found = results.response["violations"]
    return [f"{page.url}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes'][:3]]}" for v in found]


PHONE = {"width": 390, "height": 844}


def overflow(page):
    """How far the page reaches past the phone's 390 px (a mobile browser widens its
    layout viewport to the content, so innerWidth is not the measure)."""
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


def login(page, username, identity="person"):
    page.goto(page.base + "/login")
    if identity == "institution":
        page.check("input[name=identity][value=institution]")
    page.fill("[name=identifier]", username)
    page.fill("[name=password]", seed.DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


@pytest.fixture
def demo(app):
    seed.seed_demo()


def certificate_code(app):
    """A real code: the learner of a passed conversion downloads its certificate."""
    from flask import g

    from models import ApplicationKind, User

    application = Application.get(Application.status == ApplicationStatus.PASSED,
                                  Application.kind == ApplicationKind.CONVERSION)
    learner = User.get_by_id(application.learner_id)
    client = app.test_client()
    g.__dict__.clear()
    client.post("/login", data={"identity": "person", "identifier": learner.username, "password": seed.DEMO_PASSWORD})
    assert client.get(f"/me/applications/{application.id}/certificate.pdf").status_code == 200
    return Application.get_by_id(application.id).certificate_code


def test_a_visitor_walks_the_portal(app, demo, page, output_dir):
    code = certificate_code(app)
    page.goto(page.base + "/")
    page.screenshot(path=f"{output_dir}/portal-home.png", full_page=True)
    nav = page.locator("header nav")
    nav.get_by_role("link", name="资讯中心").click()
    assert page.locator("h1").inner_text() == "资讯中心"
    title = page.locator(".cb-article-item a").first.inner_text()
    page.locator(".cb-article-item a").first.click()
    assert page.locator("article h1").inner_text() == title
    assert page.locator("nav .breadcrumb-item a", has_text="资讯中心").count() == 1
    nav.get_by_role("link", name="标准体系").click()
    assert page.locator("tr[data-level]").count() == 7
    nav.get_by_role("link", name="规则查询").click()
    page.locator("tr[data-rule] a").first.click()
    assert "的转换规则解释权归" in page.locator("main").inner_text() or page.locator("main h1").count() == 1
    nav.get_by_role("link", name="转换办法").click()
    assert page.locator("tr[data-method]").count() >= 1
    assert page.locator("tr[data-method] a", has_text="PDF").count() >= 1
    nav.get_by_role("link", name="证书验证").click()
    page.fill("#code", code.lower())
    page.click("main button[type=submit]")
    assert page.locator("[data-verified]").is_visible()
    assert code in page.locator("main").inner_text()
    page.goto(page.base + "/favicon.ico")
    assert page.evaluate("document.contentType").startswith("image")


def learner_pages(app):
    """Every page the learner reaches by links from 我的信息 (new pages are found too)."""
    from flask import g

    from tests.ui import crawl

    client = app.test_client()
    g.__dict__.clear()
    client.post("/login", data={"identity": "person", "identifier": "learner", "password": seed.DEMO_PASSWORD})
    pages = list(crawl.crawl(client, ["/me/"]))
    assert set(LEARNER_PAGES) <= set(pages), sorted(set(LEARNER_PAGES) - set(pages))
    return pages


def test_portal_and_learner_pages_fit_a_phone_and_pass_axe(app, demo, browser, live_server, output_dir):
    pages = learner_pages(app)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.base = live_server
    too_wide, violations = [], []
    try:
        for url in PUBLIC:
            page.goto(live_server + url)
            if overflow(page) > 0:
                too_wide.append(f"{url}: {overflow(page)} px")
            violations += serious_violations(page)
        login(page, "learner")
        for url in pages:
            page.goto(live_server + url)
            if overflow(page) > 0:
                too_wide.append(f"{url}: {overflow(page)} px")
            violations += serious_violations(page)
            if url == "/me/recognition":
                page.screenshot(path=f"{output_dir}/learner-recognition-390px.png", full_page=True)
    finally:
        context.close()
    assert len(pages) >= len(LEARNER_PAGES)
    assert not too_wide, too_wide
    assert not violations, "\n".join(violations)


def test_main_admin_pages_of_each_role_pass_axe(demo, browser, live_server, output_dir):
    violations = []
    for username, identity in ADMIN_ROLES.items():
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.base = live_server
        try:
            login(page, username, identity)
            violations += serious_violations(page)  # the role's home
            # The first two pages of the role's own menu, and a record's page when there is one.
            links = page.locator("#admin-navbar-collapse a.nav-link[href^='/admin/'], #admin-navbar-collapse a.dropdown-item[href^='/admin/']")
            urls = [links.nth(i).get_attribute("href") for i in range(min(links.count(), 2))]
            for url in urls:
                page.goto(live_server + url)
                violations += serious_violations(page)
            if username == "reviewer":
                page.goto(live_server + "/admin/recognition_review/")
                with page.expect_navigation():
                    page.locator("a", has_text="审核").last.click()
                page.screenshot(path=f"{output_dir}/review-page.png", full_page=True)
                violations += serious_violations(page)
            if username == "center":
                # Flask-Admin's select boxes speak Chinese: placeholder and "no match".
                page.goto(live_server + "/admin/center_rules/new/")
                if page.locator("#commitment-accept").count():  # the first time: the publication commitment
                    page.click("#commitment-accept:enabled", timeout=15000)
                box = page.locator(".select2-container").first
                assert "Please select" not in box.inner_text() and "请选择模型" not in box.inner_text()
                box.click()
                page.keyboard.type("zzzz")
                assert page.locator(".select2-drop-active .select2-no-results").first.inner_text() == "无匹配结果"
                page.keyboard.press("Escape")
            if username == "institution":
                # 用户管理: every permission box can be clicked (none hides under 保存).
                page.goto(live_server + "/admin/inst_users/new/")
                boxes = page.locator("input[name=menus]")
                assert boxes.count() == 9
                for index in range(boxes.count()):
                    boxes.nth(index).click(trial=True, timeout=3000)
                violations += serious_violations(page)
            page.goto(live_server + "/password?normal=1")
            violations += serious_violations(page)
        finally:
            context.close()
    assert not violations, "\n".join(violations)
