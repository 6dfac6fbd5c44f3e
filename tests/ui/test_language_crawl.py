"""Every page of every role, found by following links from its home (and the public
pages), speaks one language: no English word in zh_CN, no Chinese outside data in
?lang=en. How words are judged (data, allow-lists) is explained in tests/ui/crawl.py."""
import pytest
from flask import g

from services import seed
from tests.ui import crawl

PUBLIC = ["/", "/news", "/guides", "/regulations", "/framework", "/rules", "/methods", "/verify", "/login",
          "/register", "/activate", "/forgot-password", "/institution/register"]
ROLES = {"center": "person", "reviewer": "person", "committee": "person", "institution": "institution",
         "jiaowu01": "institution", "learner": "person", None: None}


@pytest.mark.parametrize("username", list(ROLES), ids=lambda u: u or "visitor")
def test_every_page_speaks_one_language(app, username):
    seed.seed_demo()
    problems = []
    for lang, check in (("zh_CN", crawl.english_outside_data), ("en", crawl.chinese_outside_data)):
        client = app.test_client()
        client.get(f"/?lang={lang}")
        starts = list(PUBLIC)
        if username:
            g.__dict__.clear()
            login = client.post("/login", data={"identity": ROLES[username], "identifier": username,
                                                "password": seed.DEMO_PASSWORD})
            starts = [login.headers["Location"]] + PUBLIC[:3]
        pages = crawl.crawl(client, starts)
        assert len(pages) >= (10 if username else 8), sorted(pages)
        corpus = crawl.data_corpus()  # after the crawl: logging in wrote audit entries (data)
        for url, html in pages.items():
            found = check(crawl.parse(html).texts, corpus)
            if found:
                problems.append(f"{lang} {url}: {sorted(found)[:10]}")
    assert not problems, "\n".join(problems)


def test_the_checks_catch_what_they_should():
    corpus = "陈晓明\nlearner01\n"
    assert crawl.english_outside_data(["Failed to create record.", "陈晓明 learner01 PDF"], corpus) == {"Failed", "create", "record"}
    assert crawl.chinese_outside_data(["Status: 已发布", "陈晓明", "中文"], corpus) == {"已发布"}
    hidden = crawl.parse('<p>看得见</p><div class="d-none">hidden words</div><script>var x</script><input placeholder="None">')
    assert hidden.texts == ["看得见", "None"]
