"""Every admin list, for every role's demo account: it opens, it is paged, and it does
not load each row's foreign keys with their own queries (no N+1)."""

import pytest
from flask_admin.model import BaseModelView

from admin import flask_admin_adapter
from services import seed
from tests.queries import count_queries

# A 20-row page that loaded one relation per row would need 20+ queries.
MAX_QUERIES_PER_LIST = 15
DEMO_LOGINS = {
    "center": "person",
    "reviewer": "person",
    "committee": "person",
    "institution": "institution",
    "jiaowu01": "institution",
}


def list_views(app):
    admin = app.extensions["admin"][0]
    return [view for view in flask_admin_adapter.registered_views(admin) if isinstance(view, BaseModelView)]


@pytest.mark.parametrize("username", sorted(DEMO_LOGINS))
def test_admin_lists_open_with_a_bounded_number_of_queries(app, username):
    seed.seed_demo()
    client = app.test_client()
    client.post("/login", data={"identity": DEMO_LOGINS[username], "identifier": username, "password": seed.DEMO_PASSWORD})
    opened = 0
    for view in list_views(app):
        url = f"/admin/{view.endpoint}/"
        with count_queries() as counter:
            response = client.get(url)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, (url, response.status_code)
        assert counter["n"] <= MAX_QUERIES_PER_LIST, f"{url}: {counter['n']} queries"
        opened += 1
    assert opened >= 1
