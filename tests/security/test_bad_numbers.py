"""Issue 14, item 7: out-of-range and malformed numbers, dates and enums in paths and
query strings are answered 400/404 (or ignored), never 500, on every GET route."""
import re

import pytest

from tests import factories
from tests.security import world
from tests.security.test_access_matrix import admin_views

HUGE = "9" * 25
BAD_VALUES = [HUGE, "9" * 18, "-1", "abc", "1e309", "2024-13-45", "99999999999999999999.5"]
# Query arguments the pages read: ids, paging, sorting, filters (Flask-Admin flt<n>_<op>), enums.
QUERY_NAMES = ["id", "ids", "page", "page_size", "sort", "desc", "category", "kind", "status", "year", "root",
               "target", "source", "rule", "batch", "entry", "achievement", "url", "lang"]


def filter_names(view):
    filters = getattr(view, "_filters", None) or []
    return [f"flt{n}_{k}" for n in range(2) for k in range(max(len(filters), 1))][:16]


@pytest.mark.parametrize("role", ["center", "institution A", "learner A", "reviewer"])
def test_no_server_error_for_bad_numbers_anywhere(app, spaces, role):
    data = world.build(spaces)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # collect every 500 instead of stopping at the first
    client = app.test_client()
    factories.login(client, data.people[role])
    views = admin_views(app)
    errors = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "admin.static"):
            continue
        view = views.get(rule.endpoint.split(".", 1)[0])
        names = QUERY_NAMES + (filter_names(view) if view is not None else [])
        int_args = [a for a in rule.arguments if re.search(r"<int:" + a + ">", rule.rule)]
        for value in BAD_VALUES:
            path = rule.rule
            for argument in rule.arguments:
                replacement = (HUGE if value != "-1" else "0") if argument in int_args else value
                path = re.sub(r"<(?:[^:<>]+:)?" + argument + r">", replacement, path)
            response = client.get(path, query_string={name: value for name in names})
            if response.status_code >= 500:
                errors.append(f"{path}?…={value}: {response.status_code}")
    assert not errors, "\n".join(errors)
