"""Parts of a page kept once rendered (web/fragments.py: menus, footer, links): each page
still marks its own menu item, each language gets its own words, and what belongs to the
person — the unread count, the CSRF token — is never kept."""
import re

import pytest
from flask import render_template_string
from flask_babel import force_locale

from models import Message
from web.fragments import fragments


def active_items(page):
    return re.findall(r'<li class="nav-item active"><a class="nav-link" href="([^"]+)"', page)


def bottom_active(page):
    return re.findall(r'class="cb-bottom-link active" href="([^"]+)"', page)


def test_each_page_marks_its_own_menu_item_from_kept_menus(client_as):
    client = client_as("learner")
    for _ in range(2):  # the second visit of each page reads the kept menus
        for path in ("/me/", "/me/credits", "/me/achievements/new"):
            page = client.get(path).get_data(as_text=True)
            assert active_items(page) == [path] and bottom_active(page) == [path], path


def test_each_language_gets_its_own_menu(client_as):
    client = client_as("learner")
    chinese = client.get("/me/").get_data(as_text=True)
    english = client.get("/me/?lang=en").get_data(as_text=True)
    again = client.get("/me/?lang=zh_CN").get_data(as_text=True)
    assert "我的信息" in chinese and "学分账户" in chinese and "服务支持" in chinese
    assert "My information" in english and "Credit account" in english and "学分账户" not in english
    assert "服务支持" not in english
    assert again.count("学分账户") == chinese.count("学分账户")


def test_the_unread_count_and_the_csrf_token_are_never_kept(client_as):
    client = client_as("learner")
    first = client.get("/me/").get_data(as_text=True)
    assert "data-unread" not in first
    Message.create(user=client.user, title="审核结果", body="已通过")
    page = client.get("/me/").get_data(as_text=True)
    assert "data-unread>1<" in page
    assert re.search(r'<span>收件箱 <span class="badge badge-danger">1</span>', page)
    other = client_as("learner")
    theirs = other.get("/me/").get_data(as_text=True)
    assert "data-unread" not in theirs
    tokens = {re.search(r'name="csrf_token" value="([^"]+)"', p).group(1) for p in (page, theirs)}
    assert len(tokens) == 2


def test_debug_mode_keeps_nothing(app):
    from tests.conftest import make_app

    debug = make_app(app.config["DATABASE_URL"], app.config["UPLOAD_DIR"], DEBUG=True)
    assert type(fragments.cache).__name__ == "SimpleCache"  # the test app keeps fragments
    with debug.app_context():
        assert type(fragments.cache).__name__ == "NullCache"


def test_words_are_kept_per_language_and_formatted_as_jinja_does(app):
    template = "{{ _('Inbox') }}|{{ _('Inbox') }}|{{ _('Page %(number)s', number='<b>') }}"
    with app.test_request_context("/"):
        assert render_template_string(template).split("|")[:2] == ["收件箱", "收件箱"]
        assert "&lt;b&gt;" in render_template_string(template)
        with force_locale("en"):
            assert render_template_string(template).split("|")[:2] == ["Inbox", "Inbox"]
        assert render_template_string("{{ _('Inbox') }}") == "收件箱"


def test_the_badge_comes_with_the_session_row(client_as, monkeypatch):
    """No page asks for the unread count again: the session row read at the start of the
    request brought it (capped as the badge shows it)."""
    client = client_as("learner")
    Message.insert_many([{"user": client.user.id, "title": f"消息{n}", "body": "-"} for n in range(3)]).execute()

    def asked(*_args):
        raise AssertionError("the unread count was asked again")

    monkeypatch.setattr(Message, "unread_count", classmethod(asked))
    for path in ("/me/", "/me/credits", "/me/inbox"):
        page = client.get(path).get_data(as_text=True)
        assert "data-unread>3<" in page, path
    monkeypatch.setattr("models.communication.UNREAD_CAP", 2)
    assert "data-unread>2+<" in client.get("/me/").get_data(as_text=True)


def test_a_list_s_row_links_are_the_urls_flask_builds(app):
    from flask import url_for
    from werkzeug.routing import BuildError

    from web.template_helpers import id_url

    with app.test_request_context("/"):
        detail = id_url("learner.achievement", "achievement_id")
        for value in (1, 42, 9_223_372_036_854_775_807):
            assert detail(value) == url_for("learner.achievement", achievement_id=value)
        # An id passed as a query argument is put in its place too.
        assert id_url("learner.home", "page")(3) == url_for("learner.home", page=3)
        with pytest.raises(BuildError):
            id_url("learner.achievement", "not_its_argument")
