"""Every admin list of every role on a 390 × 844 phone: the lists are labelled cards, no
element reaches past the screen, no cell is narrower than the shortest word it holds, the
list's search, filters and row actions are on screen, and axe-core finds no violation of
any impact. The lists are found by following links from each role's home, so a list added
later is measured too."""
import re
from urllib.parse import urlsplit

import pytest
from flask import g

from services.seed import demo
from tests.ui import crawl, phone
from tests.ui.test_browser_portal import serious_violations as axe_violations

pytestmark = pytest.mark.browser

ROLES = {"center": "person", "reviewer": "person", "committee": "person", "institution": "institution",
         "jiaowu01": "institution"}
LIST_PAGE = re.compile(r"^/admin/[a-z_]+/$")


def admin_lists(app, username):
    """The role's list pages (each shape once: tabs and kinds count as their own list)."""
    client = app.test_client()
    g.__dict__.clear()
    login = client.post("/login", data={"identity": ROLES[username], "identifier": username,
                                        "password": demo.DEMO_PASSWORD})
    pages = crawl.crawl(client, [login.headers["Location"]], max_pages=150)
    return sorted(url for url in pages if LIST_PAGE.match(urlsplit(url).path) and "<table" in pages[url])


def log_in(page, base, username):
    page.goto(base + "/login")
    if ROLES[username] == "institution":
        page.check("input[name=identity][value=institution]")
    page.fill("[name=identifier]", username)
    page.fill("[name=password]", demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


@pytest.mark.parametrize("username", list(ROLES))
def test_every_admin_list_is_readable_on_a_phone(app, browser, live_server, output_dir, username):
    demo.seed_demo()
    urls = admin_lists(app, username)
    assert len(urls) >= (3 if username in ("reviewer", "committee", "jiaowu01") else 8), urls
    context = browser.new_context(viewport=phone.PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems = []
    try:
        log_in(page, live_server, username)
        for number, url in enumerate(urls):
            page.goto(live_server + url)
            wide, squeezed = phone.too_wide(page), phone.squeezed_cells(page)
            if wide:
                problems.append(f"{url} too wide: {wide}")
            if squeezed:
                problems.append(f"{url} squeezed cells: {squeezed}")
            problems += axe_violations(page)
            # A table with column titles is a list: it must be cards (a table of 机构信息 with
            # a title per row is not one).
            lists = page.locator("main table.table:has(thead th + th):not([data-no-stack])")
            if lists.count() and page.locator("main table.cb-stacked").count() < lists.count():
                problems.append(f"{url}: the table is not shown as cards")
            rows = page.locator("main table.cb-stacked tbody tr:has(td[data-label])")
            if rows.count():
                # A card names each value, and its buttons are on screen.
                assert rows.first.locator("td[data-label]").count() >= 1
                for button in rows.first.locator(".list-buttons-column a, .list-buttons-column button").all():
                    box = button.bounding_box()
                    if box and box["x"] + box["width"] > phone.PHONE["width"]:
                        problems.append(f"{url}: row action off screen")
            # A list that sorts can be sorted on the phone too: its sortable titles stay.
            sortable = page.locator("main table.cb-stacked thead th a")
            if sortable.count() and not sortable.first.is_visible():
                problems.append(f"{url}: its sort titles are hidden")
            search = page.locator("main form[role=search] input[name=search]")
            if search.count() and not search.first.is_visible():
                problems.append(f"{url}: search hidden")
            if number < 3 or url.endswith("?tab=related"):
                name = re.sub(r"[^a-z0-9]+", "-", url.strip("/")).strip("-")
                page.screenshot(path=f"{output_dir}/phone-{username}-{name}.png", full_page=True)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
