"""Out-of-range and malformed numbers, dates and enums in paths and query strings are
answered 400/404 (or ignored), never 500, on every GET route, for each kind of account."""
import re

import pytest

from tests import factories
from tests.security import route_access, world
from tests.security.test_access_matrix import admin_views

HUGE = "9" * 25
BAD_VALUES = [HUGE, "9" * 18, "-1", "abc", "1e309", "2024-13-45", "99999999999999999999.5"]
# Query arguments the pages read: ids, paging, sorting, filters (Flask-Admin flt<n>_<op>), enums.
QUERY_NAMES = ["id", "ids", "page", "page_size", "sort", "desc", "category", "kind", "status", "year", "root",
               "target", "source", "rule", "batch", "catalogue", "achievement", "url", "lang"]


def filter_names(view):
    filters = getattr(view, "_filters", None) or []
    return [f"flt{n}_{k}" for n in range(2) for k in range(max(len(filters), 1))][:16]


def path_for(rule, value):
    """The rule's path with ``value`` in its text arguments and, in its integer ones, a
    number past 64 bits (routing answers 404) — or 0 for "-1", which reaches the view."""
    path = rule.rule
    int_args = [a for a in rule.arguments if re.search(r"<int:" + a + ">", rule.rule)]
    for argument in rule.arguments:
        replacement = (HUGE if value != "-1" else "0") if argument in int_args else value
        path = re.sub(r"<(?:[^:<>]+:)?" + argument + r">", replacement, path)
    return path


def refused_before_the_view(response):
    return response.status_code in (302, 401, 403, 404, 405)


@pytest.mark.parametrize("role", ["center", "institution A", "learner A", "reviewer"])
def test_no_server_error_for_bad_numbers_anywhere(app, spaces, role):
    data = world.build(spaces)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # collect every 500 instead of stopping at the first
    client = app.test_client()
    user = data.people[role]
    factories.login(client, user)
    granted = {p.permission for p in user.permissions}
    views = admin_views(app)
    errors = []

    def get(path, query):
        response = client.get(path, query_string=query)
        if response.status_code >= 500:
            errors.append(f"{path}?{sorted(query.items())[:2]}…: {response.status_code}")
        return response

    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "admin.static"):
            continue
        view = views.get(rule.endpoint.split(".", 1)[0])
        names = QUERY_NAMES + (filter_names(view) if view is not None else [])

        # A route this role may not open refuses before its view reads anything: every bad
        # value rides in one request (each name carrying all of them), on a path that
        # reaches the route — once with the out-of-range integer the request hook answers
        # 400, once without it, so that the refusal itself meets the other values.
        access = route_access.declared(rule.endpoint, views)
        if access is not None and not route_access.allows(*access, user, granted):
            for values in (BAD_VALUES, [value for value in BAD_VALUES if value != HUGE]):
                response = get(path_for(rule, "-1"), {name: values for name in names})
            if refused_before_the_view(response):
                continue
        for value in BAD_VALUES:
            get(path_for(rule, value), {name: value for name in names})
    assert not errors, "\n".join(errors)
