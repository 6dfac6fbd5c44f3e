"""学分银行移动应用 on a 390 × 844 phone (Debian chromium): the app can be installed (the
browser finds no installability error: manifest, icons, service worker), a learner who goes
offline still reads their records and their last 学分账户, marked as saved copies, logging
out leaves nothing behind, and a second learner on the same phone never sees the first
one's pages. Screenshots: test-output/app-*.png."""
import pytest
from PIL import Image

from models import LearnerAchievement, User
from services.seed import demo
from tests.ui import phone

pytestmark = pytest.mark.browser


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(viewport=phone.PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  service_workers="allow")
    context.set_default_timeout(20_000)
    tab = context.new_page()
    tab.base = live_server
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, errors


def log_in(page, username):
    page.goto(page.base + "/login")
    page.fill("[name=identifier]", username)
    page.fill("[name=password]", demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def controlled(page):
    """Wait until the service worker runs and controls this page (the first visit is not)."""
    page.evaluate("navigator.serviceWorker.ready")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")


def kept_urls(page):
    return page.evaluate("""async () => {
      const cache = await caches.open('cb-pages');
      return (await cache.keys()).map(r => new URL(r.url).pathname + new URL(r.url).search);
    }""")


def test_the_app_is_installable(app, phone_page, output_dir):
    demo.seed_demo()
    page = phone_page
    page.goto(page.base + "/")
    manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["name"] == "学分银行移动应用" and manifest["short_name"] == "学分银行"
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/me/")
    assert manifest["theme_color"] == "#0b5cad"
    for icon in manifest["icons"]:
        body = page.request.get(page.base + icon["src"])
        assert body.ok and body.headers["content-type"] == "image/png"
        path = f"{output_dir}/app-icon-{icon['sizes']}.png"
        with open(path, "wb") as handle:
            handle.write(body.body())
        assert "{}x{}".format(*Image.open(path).size) == icon["sizes"]
    controlled(page)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
    session = page.context.new_cdp_session(page)
    # Playwright's contexts are incognito windows, where Chrome never installs: every other
    # criterion (manifest fields, icons, a worker with a fetch handler) must hold.
    errors = [e["errorId"] for e in session.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    assert set(errors) <= {"in-incognito"}, errors
    parsed = session.send("Page.getAppManifest")
    assert parsed["errors"] == [], parsed["errors"]


def test_a_learner_offline_reads_their_records_and_credit_account(app, phone_page, output_dir):
    demo.seed_demo()
    learner = User.get(User.username == "learner")
    names = [a.name for a in LearnerAchievement.select().where(LearnerAchievement.learner == learner)]
    page = phone_page
    log_in(page, "learner")
    controlled(page)
    page.goto(page.base + "/me/credits")
    credits_text = page.locator("main h1").inner_text()
    page.goto(page.base + "/me/")
    # The home page asks the worker to keep each record's page, 学分账户 and 收件箱.
    first = LearnerAchievement.select().where(LearnerAchievement.learner == learner).order_by(LearnerAchievement.id).first()
    page.wait_for_function("""async () => {
      const keys = await (await caches.open('cb-pages')).keys();
      return keys.some(r => r.url.includes('/me/inbox'));
    }""")
    kept = kept_urls(page)
    assert "/me/" in kept and "/me/credits" in kept
    assert any(url.startswith("/me/achievements/") for url in kept)
    assert not any(url.startswith(("/admin", "/login")) for url in kept)

    page.context.set_offline(True)
    try:
        page.goto(page.base + "/me/")
        banner = page.locator("[data-offline-banner]")
        assert banner.is_visible() and "离线查看" in banner.inner_text() and "__TIME__" not in banner.inner_text()
        shown = page.locator("main").inner_text()
        assert all(name in shown for name in names[:5])
        assert page.locator("[data-app-update]").is_hidden()  # nothing new to offer
        page.screenshot(path=f"{output_dir}/app-offline-home-390px.png", full_page=True)
        with page.expect_navigation():
            page.locator("nav.cb-bottom-nav a[data-app-nav=credits]").click()
        assert page.locator("main h1").inner_text() == credits_text
        assert page.locator("[data-offline-banner]").is_visible()
        page.screenshot(path=f"{output_dir}/app-offline-credits-390px.png", full_page=True)
        page.goto(page.base + f"/me/achievements/{first.id}")
        assert first.name in page.locator("main h1").inner_text()
        # A page never opened: the offline page, with nothing of anyone on it.
        page.goto(page.base + "/me/feedback")
        assert page.locator("main h1").inner_text() == "您目前处于离线状态"
        assert learner.real_name not in page.content()
    finally:
        page.context.set_offline(False)


def test_logging_out_empties_the_phone_and_the_next_learner_sees_only_theirs(app, phone_page):
    demo.seed_demo()
    page = phone_page
    log_in(page, "learner")
    controlled(page)
    page.goto(page.base + "/me/credits")
    assert "/me/credits" in kept_urls(page)
    page.locator("form[action='/logout'] button").first.evaluate("b => b.form.requestSubmit()")
    page.wait_for_url("**/login")
    page.wait_for_function("async () => !(await caches.keys()).includes('cb-pages')")

    other = User.get(User.username == "learner01")
    log_in(page, "learner01")
    controlled(page)
    page.goto(page.base + "/me/")
    page.context.set_offline(True)
    try:
        page.goto(page.base + "/me/")
        assert other.real_name in page.content()
        assert "陈晓明" not in page.content()
    finally:
        page.context.set_offline(False)


def test_staff_pages_are_never_kept(app, phone_page):
    """The worker answers for every page of the site, but keeps only a learner's own."""
    demo.seed_demo()
    page = phone_page
    page.goto(page.base + "/")
    controlled(page)
    log_in(page, "center")
    page.goto(page.base + "/admin/learners/")
    assert page.evaluate("async () => (await caches.keys()).includes('cb-pages') ? (await (await caches.open('cb-pages')).keys()).length : 0") == 0


def test_a_new_version_waits_for_the_person(app, client):
    """The worker's script changes whenever a file it keeps changes, and is always asked
    for again; a new one waits for 立即更新 (skip-waiting) instead of taking over."""
    first = client.get("/sw.js")
    assert first.headers["Cache-Control"] == "no-cache" and first.mimetype == "text/javascript"
    code = first.get_data(as_text=True)
    assert code.startswith("const VERSION = ") and "self.skipWaiting()" in code
    assert 'data.type === "skip-waiting"' in code and code.count("skipWaiting") == 1
    assert client.get("/sw.js").get_data(as_text=True) == code


def test_a_learner_sorts_their_achievements_on_a_phone(app, phone_page, output_dir):
    """The cards of 我的信息 have no column titles to tap: the sortable ones stay above them,
    after 排序, and sort the list both ways."""
    demo.seed_demo()
    learner = User.get(User.username == "learner")
    names = sorted(a.name for a in LearnerAchievement.select().where(LearnerAchievement.learner == learner))
    assert len(names) >= 2
    log_in(phone_page, "learner")
    phone_page.goto(phone_page.base + "/me/")
    row = phone_page.locator("table.cb-stacked thead tr")
    assert row.is_visible() and row.get_attribute("data-sort-label") == "排序"
    assert phone_page.locator("table.cb-stacked thead th a").all_inner_texts() == ["成果名称", "成果状态", "取得时间"]
    for marker, expected in (("▲", names), ("▼", names[::-1])):
        with phone_page.expect_navigation():
            phone_page.locator("table.cb-stacked thead th a", has_text="成果名称").tap()
        assert phone_page.locator("table.cb-stacked thead th a", has_text="成果名称").inner_text().endswith(marker)
        cards = phone_page.locator("table.cb-stacked tbody tr td:first-child")
        assert cards.all_inner_texts() == expected
        assert cards.first.get_attribute("data-label") == "成果名称"  # the card's title has no marker
    assert not phone.too_wide(phone_page)
    phone_page.screenshot(path=f"{output_dir}/app-sorted-achievements.png", full_page=True)
