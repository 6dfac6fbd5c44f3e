"""The secure admin base: CSRF on admin POSTs, and row scoping on every path that
Flask-Admin fetches by id (details, edit, delete, actions)."""
import pytest
from flask_admin.actions import action

from admin.base import SecureModelView
from models import CatalogueAchievement
from services.accounts import permissions
from tests import factories


class ScopedCatalogueAchievements(SecureModelView):
    """A view like every institution-space view: editable, deletable, with an action."""

    roles = permissions.INSTITUTION_USERS | {permissions.CENTER}
    can_edit = True
    can_delete = True
    form_columns = ("intro",)

    def scope(self, query):
        from flask_login import current_user

        return permissions.scope_by_institution(query, CatalogueAchievement.institution, current_user)

    @action("stop", "停用", "确认停用？")
    def action_stop(self, ids):
        for catalogue_achievement in self.scoped(ids):
            catalogue_achievement.disabled = True
            catalogue_achievement.save()


def add_scoped_view(app):
    admin = app.extensions["admin"][0]
    admin.add_view(ScopedCatalogueAchievements(CatalogueAchievement, name="scoped", endpoint="scoped"))


@pytest.fixture
def two_institutions(app, reference):
    add_scoped_view(app)
    mine = factories.make_institution()
    theirs = factories.make_institution()
    return {
        "user": factories.make_user("institution", institution=mine),
        "mine": factories.make_catalogue(institution=mine),
        "theirs": factories.make_catalogue(institution=theirs),
    }


def test_list_shows_only_own_institution(two_institutions, client_as):
    client = client_as(two_institutions["user"])
    page = client.get("/admin/scoped/").get_data(as_text=True)
    assert two_institutions["mine"].name in page
    assert two_institutions["theirs"].name not in page


@pytest.mark.parametrize("path", ["details/", "edit/"])
def test_other_institutions_record_does_not_open_by_id(two_institutions, client_as, path):
    """Can institution A open institution B's record by typing its id? No."""
    client = client_as(two_institutions["user"])
    theirs = two_institutions["theirs"]
    response = client.get(f"/admin/scoped/{path}?id={theirs.id}", follow_redirects=True)
    assert theirs.name not in response.get_data(as_text=True)
    own = client.get(f"/admin/scoped/{path}?id={two_institutions['mine'].id}")
    assert own.status_code == 200


def test_other_institutions_record_cannot_be_deleted_or_actioned(two_institutions, client_as):
    client = client_as(two_institutions["user"])
    theirs = two_institutions["theirs"]
    client.post("/admin/scoped/delete/", data={"id": theirs.id})
    client.post("/admin/scoped/action/", data={"action": "delete", "rowid": [theirs.id]})
    client.post("/admin/scoped/action/", data={"action": "stop", "rowid": [theirs.id]})
    after = CatalogueAchievement.get_by_id(theirs.id)
    assert after.disabled is False


def test_own_record_action_works(two_institutions, client_as):
    client = client_as(two_institutions["user"])
    mine = two_institutions["mine"]
    client.post("/admin/scoped/action/", data={"action": "stop", "rowid": [mine.id]})
    assert CatalogueAchievement.get_by_id(mine.id).disabled is True


def test_admin_delete_and_action_without_csrf_token_change_nothing(csrf_app, reference):
    """With CSRF on (as in production), a forged POST without the token is refused."""
    add_scoped_view(csrf_app)
    user = factories.make_user("center")
    catalogue_achievement = factories.make_catalogue()
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login",
        data={"csrf_token": token, "identity": "person", "identifier": user.username, "password": factories.PASSWORD},
    )
    assert client.get("/admin/").status_code == 200
    assert client.post("/admin/scoped/delete/", data={"id": catalogue_achievement.id}).status_code == 400
    stop = {"action": "stop", "rowid": [catalogue_achievement.id]}
    assert client.post("/admin/scoped/action/", data=stop).status_code == 400
    assert CatalogueAchievement.get_by_id(catalogue_achievement.id).disabled is False
    # The same action with the page's token goes through: the token is what is checked.
    page = client.get("/admin/scoped/").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/admin/scoped/action/", data={"csrf_token": token, **stop})
    assert CatalogueAchievement.get_by_id(catalogue_achievement.id).disabled is True


def test_login_without_csrf_token_is_refused(csrf_app):
    user = factories.make_learner()
    response = csrf_app.test_client().post(
        "/login", data={"identity": "person", "identifier": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 400


def test_delete_keeps_holders_and_refuses_referenced_rows(app, reference, client_as):
    """Deleting a catalogue achievement never touches learners who hold it; a catalogue
    achievement that a rule still uses is not deleted (Flask-Admin's own delete would
    cascade)."""
    add_scoped_view(app)
    held = factories.make_catalogue()
    holder = factories.make_learner()
    factories.make_achievement(holder, held)
    used = factories.make_catalogue()
    target = factories.make_catalogue(category_code="course")
    factories.make_rule([used], [target])
    client = client_as("center")
    client.post("/admin/scoped/delete/", data={"id": held.id})
    client.post("/admin/scoped/delete/", data={"id": used.id})
    assert CatalogueAchievement.get_or_none(id=held.id) is None
    assert holder.achievements.get().name == held.name
    assert CatalogueAchievement.get_or_none(id=used.id) is not None


# --- nothing with history is hard-deleted by a generic view ---------------------------------

# Views whose rows may always be deleted, each with the reason: they say so here instead of
# in a ``deletable`` that would only return None.
ALWAYS_DELETABLE = {
    "SubUserView": "用户管理: a sub-user is the institution's grant of menus to a person",
    "ArticleView": "资讯/指南/规章: the center's own articles, drafts or withdrawn ones included",
    "FaqEntryView": "在线解答: the center's own questions and answers, which nothing else refers to",
}


def views_deleting_without_a_rule(source):
    """Classes in ``source`` that turn ``can_delete`` on without defining ``deletable``."""
    import ast

    found = []
    for cls in (node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ClassDef)):
        turns_on = any(isinstance(item, ast.Assign) and any(getattr(t, "id", "") == "can_delete" for t in item.targets)
                       and getattr(item.value, "value", None) is True for item in cls.body)
        says_when = any(isinstance(item, ast.FunctionDef) and item.name == "deletable" for item in cls.body)
        if turns_on and not says_when:
            found.append(cls.name)
    return found


def test_every_view_that_deletes_says_when():
    """`can_delete` is off in SecureModelView; a view that turns it on says in
    ``deletable`` when a row may go (or is listed above with its reason)."""
    import pathlib

    assert SecureModelView.can_delete is False
    root = pathlib.Path(__file__).resolve().parents[2] / "admin"
    found = {name for path in root.rglob("*.py") for name in views_deleting_without_a_rule(path.read_text("utf-8"))}
    assert found == set(ALWAYS_DELETABLE)


def test_a_planted_deleting_view_without_a_rule_is_reported():
    """Test of the test."""
    source = ("class Loose(SecureModelView):\n    can_delete = True\n\n\n"
              "class Careful(SecureModelView):\n    can_delete = True\n\n    def deletable(self, model):\n"
              "        return None\n\n\nclass Off(SecureModelView):\n    can_delete = False\n")
    assert views_deleting_without_a_rule(source) == ["Loose"]
