"""Every admin list of every role, at every variant the scale benchmark times (first
page, each filter, both directions of each sort header, the searches, deep and last
page, each tab with its sorts): the number of queries does not depend on the number of
rows shown (a page of 20 and a page of 100 cost the same: nothing is loaded per row),
and stays within the budget of 8. The lists, sorts and tabs are found from the app
(registered admin views, the links on their pages), so ones added later are covered."""
import datetime as dt

import pytest

from bench.scale import data, pages
from services.seed import demo
from tests.queries import count_queries
from web import sessions

QUERY_BUDGET = 8
DEMO = {**{name: identity for name, identity in pages.ROLES.items() if name != "learner"},
        "jiaowu01": "institution"}


@pytest.fixture
def scaled(app, monkeypatch):
    """The demo data plus a small scale dataset: every big list has more than 100 rows."""
    # A session's last-seen time is written once a minute: not a query of the page.
    monkeypatch.setattr(sessions, "TOUCH_EVERY", dt.timedelta(days=1))
    data.generate(1000, log=lambda line: None)
    return app


def requested(client, path):
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return counter["n"], response.get_data(as_text=True)


@pytest.mark.parametrize("username", sorted(DEMO))
def test_list_queries_do_not_grow_with_the_page(scaled, username):
    client = scaled.test_client()
    client.post("/login", data={"identity": DEMO[username], "identifier": username, "password": demo.DEMO_PASSWORD})
    long_lists = 0

    def get(path):
        response = client.get(path)
        return response.get_data(as_text=True) if response.status_code == 200 else None

    for endpoint, variants in pages.admin_pages(scaled, 123).items():
        for variant, query in pages.list_variants(get, scaled, endpoint, variants, 123):
            path = f"/admin/{endpoint}/?{query}&"
            small, _page = requested(client, path + "page_size=20")
            large, page = requested(client, path + "page_size=100")
            assert small == large, f"{path}: {small} queries for 20 rows, {large} for 100 (per-row queries)"
            assert large <= QUERY_BUDGET, f"{path}: {large} queries"
            long_lists += variant in ("first", "tab done first") and page.count('name="rowid"') > 20
    assert long_lists >= 1 or username == "jiaowu01"


def test_the_learner_pages_stay_within_the_query_budget(scaled):
    client = scaled.test_client()
    client.post("/login", data={"identity": "person", "identifier": "learner", "password": demo.DEMO_PASSWORD})
    for path in pages.LEARNER_PAGES:
        queries, _page = requested(client, path)
        assert queries <= QUERY_BUDGET, f"{path}: {queries} queries"


def center_client(app):
    client = app.test_client()
    client.post("/login", data={"identity": "person", "identifier": "center", "password": demo.DEMO_PASSWORD})
    return client


def learners_view(app):
    return next(v for v in pages.list_views(app) if v.endpoint == "learners")


def test_a_long_list_shows_a_capped_count_and_pages_no_deeper(scaled, monkeypatch):
    monkeypatch.setattr(learners_view(scaled), "max_rows", 50)
    client = center_client(scaled)
    page = client.get("/admin/learners/").get_data(as_text=True)
    assert "(50+)" in page
    deep = client.get("/admin/learners/?page=999").get_data(as_text=True)
    # Page 999 shows the last reachable page (rows 41–50), not an empty one.
    assert deep.count('name="rowid"') == 10


def test_learners_are_found_by_whole_id_number_phone_and_name_prefix(scaled):
    client = center_client(scaled)
    found = client.get(f"/admin/learners/?search={data.learner_id_number(17)}").get_data(as_text=True)
    assert found.count('name="rowid"') == 1 and data.learner_name(17) in found
    found = client.get(f"/admin/learners/?search={data.learner_phone(17)}").get_data(as_text=True)
    assert found.count('name="rowid"') == 1 and data.learner_name(17) in found
    # A part of an ID number finds nothing (IDs are matched whole, through their index).
    partial = client.get(f"/admin/learners/?search={data.learner_id_number(17)[:10]}").get_data(as_text=True)
    assert partial.count('name="rowid"') == 0
    name = data.learner_name(17)
    by_name = client.get(f"/admin/learners/?search={name[:2]}&page_size=100").get_data(as_text=True)
    assert name in by_name and by_name.count('name="rowid"') >= 1
    by_middle = client.get(f"/admin/learners/?search={name[1:]}").get_data(as_text=True)
    assert name not in by_middle  # a prefix search: the middle of a name is not a start


def test_a_term_matches_either_searched_column_of_the_list(scaled):
    """学员账户 searches 用户名 and 姓名 (one indexed SELECT each, joined by UNION)."""
    from models import User

    client = center_client(scaled)
    learner01 = User.get(User.username == "learner01")
    by_username = client.get("/admin/learners/?search=learner0&page_size=100").get_data(as_text=True)
    assert learner01.real_name in by_username
    by_real_name = client.get(f"/admin/learners/?search={learner01.real_name}&page_size=100").get_data(as_text=True)
    assert learner01.real_name in by_real_name
    neither = client.get("/admin/learners/?search=zzqx&page_size=100").get_data(as_text=True)
    assert neither.count('name="rowid"') == 0


def test_a_search_is_found_counted_and_paged_in_one_statement(scaled, monkeypatch):
    """A two-character search of 学员账户: its matches counted by a window over them in the
    statement that picks the page (the names are looked up once); a page past the last
    match shows the last page; more matches than max_rows count as "max_rows+" and are
    paged in the list's order."""
    from peewee import fn

    from models import Role, User, db

    monkeypatch.setattr(learners_view(scaled), "page_size_options", (2, 20, 100))
    client = center_client(scaled)
    prefix = fn.SUBSTR(User.real_name, 1, 2)
    prefix, matches = (User.select(prefix, fn.COUNT(User.id)).where(User.role == Role.LEARNER)
                       .group_by(prefix).order_by(fn.COUNT(User.id).desc()).tuples().first())
    assert matches == User.select().where(User.real_name.startswith(prefix)).count() and 3 <= matches < 100
    statements = []
    original = db.obj.execute_sql
    monkeypatch.setattr(db.obj, "execute_sql", lambda sql, params=None, *a, **k: (
        statements.append(sql), original(sql, params, *a, **k))[1])
    page = client.get(f"/admin/learners/?search={prefix}&page_size=2").get_data(as_text=True)
    assert page.count('name="rowid"') == 2 and f"({matches})" in page
    assert len([sql for sql in statements if "real_name" in sql and "OVER" in sql]) == 1
    assert not [sql for sql in statements if "COUNT(1)" in sql]
    everything = client.get(f"/admin/learners/?search={prefix}&page_size=100").get_data(as_text=True)
    assert everything.count('name="rowid"') == matches
    last = client.get(f"/admin/learners/?search={prefix}&page_size=2&page=999").get_data(as_text=True)
    assert last.count('name="rowid"') == (matches % 2 or 2) and f"({matches})" in last

    monkeypatch.setattr(learners_view(scaled), "max_rows", 2)
    capped = client.get(f"/admin/learners/?search={prefix}&page_size=2&page=5").get_data(as_text=True)
    assert "(2+)" in capped and capped.count('name="rowid"') == 2


def test_a_one_character_search_lists_names_in_order_and_says_what_its_count_means(scaled, monkeypatch):
    """王 alone: the learners named 王… in name order, counted up to SHORT_PREFIX_ROWS; an
    application list looks through the first SHORT_PREFIX_NAMES names 王… in order. The
    page says so under the search box."""
    from admin import lists
    from models import User

    monkeypatch.setattr(lists, "SHORT_PREFIX_ROWS", 5)
    client = center_client(scaled)
    page = client.get("/admin/learners/?search=王&page_size=100").get_data(as_text=True)
    expected = [name for (name,) in User.select(User.real_name).where(User.real_name.startswith("王"))
                .order_by(User.real_name, User.id).limit(5).tuples()]
    assert len(expected) == 5 and page.count('name="rowid"') == 5 and "(5+)" in page
    places = [page.index(name) for name in expected]
    assert places == sorted(places)
    assert "data-count-note" in page and "最多计 5 条" in page
    assert "data-count-note" not in client.get("/admin/learners/?search=王晓").get_data(as_text=True)

    monkeypatch.setattr(lists, "SHORT_PREFIX_NAMES", 10)
    monkeypatch.setattr(lists, "SHORT_PREFIX_ROWS", 200)
    page = client.get("/admin/recognition_review/?search=王&page_size=100").get_data(as_text=True)
    first = [user_id for (user_id,) in User.select(User.id).where(User.real_name.startswith("王"))
             .order_by(User.real_name, User.id).limit(10).tuples()]
    from models import Application, ApplicationKind

    shown = Application.select().where(Application.learner.in_(first), Application.kind == ApplicationKind.RECOGNITION,
                                       Application.status == "pending").count()
    assert shown > 1 and f"({shown})" in page and "排在前面的 10 个姓名" in page
    rows = page.count("<tr") - 1  # the header's
    assert rows == shown

    monkeypatch.setattr(lists, "SHORT_PREFIX_ROWS", shown - 1)  # their matches are counted up to the cap
    capped = client.get("/admin/recognition_review/?search=王&page_size=100").get_data(as_text=True)
    assert f"({shown - 1}+)" in capped and capped.count("<tr") - 1 == shown - 1
    assert f"最多计 {shown - 1} 条" in capped
    past = client.get("/admin/recognition_review/?search=王&page_size=20&page=50").get_data(as_text=True)
    assert past.count("<tr") - 1 == min(20, shown - 1)  # page 50 is its last page
