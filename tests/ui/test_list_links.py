"""The sort headers' and pager's links (web/template_helpers.py ``list_url``) write the path
once per request and then only the query: each link reads exactly as ``url_for`` writes it."""
import pytest
from flask import request, url_for

from web.template_helpers import list_url

CHANGES = ({"sort": "-name", "page": 1}, {"page": 7}, {"sort": None}, {"q": "王 a/b&c=d?é"}, {})


@pytest.mark.parametrize("path, endpoint", [
    ("/me/?sort=name&page=3&x=a%2Fb", "learner.home"),  # a list without path arguments
    ("/me/achievements/5?page=2", "learner.achievement"),  # the current page's path argument
    ("/me/?q=%E7%8E%8B", ".home"),  # relative to the current blueprint
    ("/me/achievements/5", "learner.home"),  # a path argument the target does not take: a query
])
def test_each_link_reads_as_url_for_writes_it(app, path, endpoint):
    with app.test_request_context(path):
        for changes in CHANGES:
            resolved = f"learner{endpoint}" if endpoint.startswith(".") else endpoint
            expected = url_for(resolved, **{**(request.view_args or {}), **request.args.to_dict(), **changes})
            assert list_url(endpoint, **changes) == expected, changes


def test_a_change_to_a_path_argument_goes_into_the_path(app):
    with app.test_request_context("/me/achievements/5?page=2"):
        assert list_url("learner.achievement", achievement_id=9, page=1) == "/me/achievements/9?page=1"
