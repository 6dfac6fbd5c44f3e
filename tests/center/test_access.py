"""Every management-center view is for center staff only: other roles are refused on every
URL (list, create, details, edit, delete, actions, import/export, custom pages) and nothing
changes."""
import pytest
from flask_admin import BaseView

from admin import center, flask_admin_adapter
from models import CatalogueAchievement, Institution, User
from tests import factories

OTHER_ROLES = ["learner", "reviewer", "committee", "institution", "subuser"]


def center_views(app):
    """Every admin view registered by admin.center (iterated, not listed by hand)."""
    admin = app.extensions["admin"][0]
    classes = set()
    admin_stub = type("Collect", (), {"add_view": lambda self, view: classes.add(type(view))})()
    center.register(admin_stub)
    return [v for v in flask_admin_adapter.registered_views(admin) if isinstance(v, BaseView) and type(v) in classes]


def view_urls(app, view, record_id):
    """Every URL rule of the view's blueprint, with ids filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != view.endpoint:
            continue
        values = {arg: record_id for arg in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        urls.append((url, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return urls


def test_center_registers_every_area(app):
    endpoints = {v.endpoint for v in center_views(app)}
    assert {"categories", "framework_levels", "catalogue", "institutions", "center_methods", "center_rules",
            "users", "learners", "articles", "sms_outbox", "audit_log"} <= endpoints


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_center_url_refuses_other_roles(app, reference, client_as, role):
    catalogue_achievement = factories.make_catalogue(name="不可改")
    client = client_as(role)
    checked = 0
    for view in center_views(app):
        for url, methods in view_urls(app, view, catalogue_achievement.id):
            for method in methods:
                query = f"?id={catalogue_achievement.id}"
                data = {"id": catalogue_achievement.id, "rowid": [catalogue_achievement.id], "action": "delete",
                        "name": "改"}
                response = client.open(url + query, method=method, data=data if method == "POST" else None)
                assert response.status_code == 403, (role, method, url, response.status_code)
                checked += 1
    assert checked > 40
    assert CatalogueAchievement.get_by_id(catalogue_achievement.id).name == "不可改"


def test_anonymous_visitors_are_sent_to_login(client, reference):
    for endpoint in ("catalogue", "users", "audit_log"):
        response = client.get(f"/admin/{endpoint}/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_disabled_center_account_is_refused(app, reference, client_as):
    client = client_as("center")
    User.update(status="disabled").where(User.id == client.user.id).execute()
    assert client.get("/admin/institutions/").status_code in (302, 403)
    assert Institution.select().count() == 0
