"""The institution lists page in the database without one query per row, and every
form of the space refuses a POST without its CSRF token."""
import re

import pytest

from models import AchievementSource, CatalogueAchievement, Feedback, LearnerAchievement, Message, User
from tests import factories
from tests.institution.conftest import make_space
from tests.queries import count_queries

LISTS = ("inst_achievements", "inst_learner_achievements", "inst_learners", "inst_feedback", "inst_messages",
         "inst_users")


def add_rows(space, n):
    for i in range(n):
        catalogue_achievement = factories.make_catalogue("inst_voc_course", institution=space.institution)
        learner = factories.make_learner(added_by_institution=space.institution)
        held = factories.make_achievement(learner, catalogue_achievement, source=AchievementSource.INSTITUTION,
                                          stored_by=space.institution)
        Feedback.create(learner=learner, achievement=held, institution=space.institution, content=f"反馈{i}")
        Message.create(user=space.admin, title=f"消息{i}", body="x", link="/admin/")
        factories.make_user("subuser", institution=space.institution)


def list_queries(client):
    counts = {}
    for endpoint in LISTS:
        with count_queries() as counter:
            assert client.get(f"/admin/{endpoint}/").status_code == 200
        counts[endpoint] = counter["n"]
    return counts


def test_list_queries_do_not_grow_with_rows(spaces, client_as):
    client = client_as(spaces.a.admin)
    few = list_queries(client)
    add_rows(spaces.a, 12)
    many = list_queries(client)
    assert many == few, (few, many)


# --- CSRF --------------------------------------------------------------------------------


def login_with_token(client, user):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"identity": "institution", "identifier": user.username,
                                           "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 302


@pytest.fixture
def csrf_space(csrf_app, reference):
    return make_space("C")


def test_posts_without_csrf_token_are_refused(csrf_app, csrf_space):
    space = csrf_space
    client = csrf_app.test_client()
    login_with_token(client, space.admin)
    posts = [
        (f"/admin/inst_learner_achievements/store/{space.catalogue_achievement.id}/",
         {"real_name": "某人", "id_number": factories.valid_id_number(), "personal_code": "1", "obtained_on": "2022-01-01"}),
        ("/admin/inst_learner_achievements/withdraw/", {"ids": str(space.stored.id), "reason": "x"}),
        (f"/admin/inst_feedback/handle/?id={space.feedback.id}", {"reply": "x", "result": "resolved"}),
        ("/admin/inst_learners/action/", {"action": "delete", "rowid": [space.inactive.id]}),
        ("/admin/inst_users/action/", {"action": "disable", "rowid": [space.subuser.id]}),
        ("/admin/inst_achievements/action/", {"action": "delete", "rowid": [space.catalogue_achievement.id]}),
        ("/admin/inst_info/edit/", {"address": "x"}),
    ]
    users, held = User.select().count(), LearnerAchievement.get_by_id(space.stored.id).status
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code in (400, 302, 200), url
    assert User.select().count() == users
    assert LearnerAchievement.get_by_id(space.stored.id).status == held
    assert CatalogueAchievement.get_or_none(CatalogueAchievement.id == space.catalogue_achievement.id) is not None
    assert Feedback.get_by_id(space.feedback.id).reply is None
    assert User.get_by_id(space.subuser.id).status == "active"
