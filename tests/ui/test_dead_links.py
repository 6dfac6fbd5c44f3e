"""No link leads nowhere: every page each role reaches by links from its home (and the
public pages) is followed, every link on it too — tabs, filters, tiles, row buttons — and
none answers 404. Links that act or download are not followed (tests/ui/crawl.py)."""
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from flask import g

from services import seed
from tests.ui import crawl

PUBLIC = ["/", "/news", "/guides", "/regulations", "/framework", "/rules", "/methods", "/verify", "/login",
          "/register", "/activate", "/forgot-password", "/institution/register"]
ROLES = {"center": "person", "reviewer": "person", "committee": "person", "institution": "institution",
         "jiaowu01": "institution", "learner": "person", None: None}


def dead_links(client, starts, max_pages=250):
    """Breadth-first like crawl.crawl, but every link is asked for (one per shape) and
    the pages that link to a 404 are named."""
    seen, queue, dead, pages = set(), deque((url, "start") for url in starts), [], 0
    while queue and pages < max_pages:
        url, source = queue.popleft()
        if crawl.shape(url) in seen:
            continue
        seen.add(crawl.shape(url))
        response = client.get(url)
        pages += 1
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 404:
            dead.append(f"{source} → {url}")
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for href in crawl.parse(response.get_data(as_text=True)).links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost") or crawl.SKIP_LINK.search(href) or parts.path in ("", "#"):
                continue
            queue.append((parts.path + ("?" + parts.query if parts.query else ""), url))
    return dead, pages


@pytest.mark.parametrize("username", list(ROLES), ids=lambda u: u or "visitor")
def test_no_link_of_any_role_answers_404(app, username):
    seed.seed_demo()
    client = app.test_client()
    starts = list(PUBLIC)
    if username:
        g.__dict__.clear()
        login = client.post("/login", data={"identity": ROLES[username], "identifier": username,
                                            "password": seed.DEMO_PASSWORD})
        starts = [login.headers["Location"]] + PUBLIC
    dead, pages = dead_links(client, starts)
    assert pages >= 14
    assert not dead, "\n".join(dead)


@pytest.mark.parametrize("username", ["institution", "jiaowu01"])
@pytest.mark.parametrize("path", ["/admin/inst_achievements/", "/admin/inst_learner_achievements/"])
@pytest.mark.parametrize("kind", ["degree", "non_degree"])
def test_the_import_tabs_of_a_filtered_list_open(app, username, path, kind):
    """机构账户中心's tiles open 机构成果 / 学员成果 filtered by 学历 or 非学历; their 导入 and 导入记录
    tabs open the import (they used to carry the filter into the import kind: 404)."""
    seed.seed_demo()
    client = app.test_client()
    g.__dict__.clear()
    client.post("/login", data={"identity": "institution", "identifier": username, "password": seed.DEMO_PASSWORD})
    page = client.get(f"{path}?kind={kind}").get_data(as_text=True)
    tabs = [href for href in crawl.parse(page).links if "/import" in href]
    assert len(tabs) == 2, tabs
    for href in tabs:
        response = client.get(href.replace("&amp;", "&"))
        assert response.status_code == 200, href
        assert "导入" in response.get_data(as_text=True)
