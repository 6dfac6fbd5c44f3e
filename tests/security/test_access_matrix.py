"""The access matrix: every route of ``app.url_map`` × every kind of account,
with other owners' ids. A route must refuse whoever its declaration does not allow
(anonymous → login, others → 403/404), and no answer may show another owner's data.

Declarations: Flask-Admin views declare ``roles``/``permission`` themselves; every other
endpoint must be listed in tests/security/route_access.py. A route nobody declared fails
here, so a new route cannot ship unprotected."""
import re

import pytest
from flask_admin import BaseView

from admin import flask_admin_adapter
from tests import factories
from tests.security import route_access, world

pytestmark = pytest.mark.filterwarnings("ignore")
SKIP_POST = {"auth.logout"}  # would end the acting session half-way; checked in test_accounts_attacks


def admin_views(app):
    views = {}
    for admin in app.extensions.get("admin", []):
        for view in flask_admin_adapter.registered_views(admin):
            if isinstance(view, BaseView):
                views[view.endpoint] = view
    return views


def foreign_ids(other):
    """Ids of another owner's records, by the kind route_access.PATH_ARGUMENTS names."""
    return {
        "learner_achievement": other.stored.id, "application": other.application.id,
        "message": other.learner_message.id, "attachment": other.evidence.id, "batch": other.batch.id,
        "rule": other.rule.id, "catalogue_achievement": other.catalogue_achievement.id, "any": other.stored.id,
        "category": other.catalogue_achievement.category_id,
        "csv": "csv", "text": "x", "statement": other.statement.id, "share_link": other.share_link.id,
    }


def url_for_rule(rule, ids):
    values = {}
    for argument in rule.arguments:
        kind = route_access.PATH_ARGUMENTS.get(argument)
        if kind is None:
            pytest.fail(f"route {rule.rule} ({rule.endpoint}) has a path argument {argument!r} the access "
                        "matrix does not know: add it to PATH_ARGUMENTS in tests/security/route_access.py")
        values[argument] = ids[kind]
    path = rule.rule
    for argument, value in values.items():
        path = re.sub(r"<(?:[^:<>]+:)?" + argument + r">", str(value), path)
    return path


def refused(response, user):
    if response.status_code == 401:  # the API: a bearer token, never a session
        return response.mimetype == "application/json" and "Location" not in response.headers
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code == 302:
        location = response.headers["Location"]
        return "/login" in location if user is None else True
    return False


def test_every_route_refuses_whom_it_must_and_leaks_nothing(app, spaces):
    data = world.build(spaces)
    views = admin_views(app)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in ("static", "admin.static")]
    undeclared = sorted({r.endpoint for r in rules if route_access.declared(r.endpoint, views) is None})
    assert not undeclared, (
        "routes without a declared access (declare `roles`/`permission` on the admin view, or add the endpoint "
        f"to BLUEPRINT_ROUTES in tests/security/route_access.py): {undeclared}")
    clients = {}
    for name, user in data.people.items():
        clients[name] = app.test_client()
        if user is not None:
            factories.login(clients[name], user)
    problems, checked, refusals = [], 0, 0
    for name, user in data.people.items():
        client, other = clients[name], data.others[name]
        granted = {p.permission for p in user.permissions} if user is not None else set()
        ids = foreign_ids(other)
        query = {"id": other.stored.id, "ids": other.stored.id, "rowid": other.stored.id}
        for rule in rules:
            access, permission = route_access.declared(rule.endpoint, views)
            path = url_for_rule(rule, ids)
            if "GET" in rule.methods:
                response = client.get(path, query_string=query)
            elif rule.endpoint in SKIP_POST:
                continue
            else:
                response = client.post(path, data=query)
            label = f"{name} {sorted(rule.methods - {'HEAD', 'OPTIONS'})} {path}"
            checked += 1
            refusals += refused(response, user)
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code}")
                continue
            if not route_access.allows(access, permission, user, granted) and not refused(response, user):
                problems.append(f"{label}: answered {response.status_code}, should refuse")
            body = response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) else ""
            leaked = [marker for marker in data.never[name] if marker in body]
            if leaked:
                problems.append(f"{label}: shows {leaked}")
    assert not problems, "\n".join(problems)
    # The sweep really covered the routes and saw refusals (a guard against a silent no-op).
    assert checked >= len(rules) * len(data.people) - len(SKIP_POST) * len(data.people)
    assert refusals > checked // 3, (refusals, checked)


def test_a_new_route_is_undeclared_even_in_a_public_blueprint(app):
    """Test of the test: a route planted in the public portal blueprint is declared by
    nobody (no wildcard makes it public), so the matrix above reports it; every declared
    endpoint exists (no stale line hides a typo)."""
    app.add_url_rule("/planted", endpoint="portal.secret_page", view_func=lambda: "x")
    views = admin_views(app)
    assert "portal.secret_page" in {rule.endpoint for rule in app.url_map.iter_rules()}
    assert route_access.declared("portal.secret_page", views) is None
    assert route_access.declared("portal.index", views) == (route_access.PUBLIC, None)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not set(route_access.BLUEPRINT_ROUTES) - endpoints
