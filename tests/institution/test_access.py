"""Can institution A's users reach institution B's data by forging ids? Every list,
detail, edit, delete, action, import-record download and export of the institution
space is tried with B's ids, as A's admin and as A's sub-user with few permissions:
all refused, nothing changed, nothing of B in any response."""
import io

import openpyxl
import pytest

from models import (
    AchievementStatus,
    Attachment,
    CatalogueAchievement,
    Feedback,
    ImportBatch,
    LearnerAchievement,
    Message,
    SmsPurpose,
    ThrottleHit,
    User,
    UserPermission,
    VerificationCode,
)
from services.messaging import sms
from tests import factories
from tests.institution.conftest import pdf_upload

SNAPSHOT_MODELS = (CatalogueAchievement, LearnerAchievement, User, Feedback, Message, UserPermission, ImportBatch,
                   Attachment)


def snapshot():
    """Every row of the tables the institution space writes (A's last login aside)."""
    rows = {}
    for model in SNAPSHOT_MODELS:
        data = [row for row in model.select().order_by(model._meta.primary_key).dicts()]
        for row in data:
            row.pop("last_login_at", None)
        rows[model.__name__] = data
    return rows


def b_markers(b):
    return [
        b.institution.name, b.catalogue_achievement.name, b.learner.real_name, b.learner.id_number,
        b.inactive.real_name, b.inactive.id_number, b.feedback.content, b.message.title, b.message.body,
        b.subuser.username, b.subuser.real_name, b.batch.filename, b.result.original_name, b.stored.personal_code,
    ]


def forged_requests(b):
    """(method, url, data) for every institution-space route, aimed at B's rows."""
    catalogue_achievement_id, stored, inactive = b.catalogue_achievement.id, b.stored.id, b.inactive.id
    learner = b.learner.id
    pdf = pdf_upload
    requests = [
        # 机构成果
        ("get", "/admin/inst_achievements/", None),
        ("get", f"/admin/inst_achievements/details/?id={catalogue_achievement_id}", None),
        ("get", f"/admin/inst_achievements/edit/?id={catalogue_achievement_id}", None),
        ("post", f"/admin/inst_achievements/edit/?id={catalogue_achievement_id}", {"intro": "changed"}),
        ("post", "/admin/inst_achievements/delete/", {"id": catalogue_achievement_id}),
        ("post", "/admin/inst_achievements/action/", {"action": "delete", "rowid": [catalogue_achievement_id]}),
        # 学员成果
        ("get", "/admin/inst_learner_achievements/", None),
        ("get", f"/admin/inst_learner_achievements/?catalogue={catalogue_achievement_id}", None),
        ("get", f"/admin/inst_learner_achievements/?learner={learner}", None),
        ("get", f"/admin/inst_learner_achievements/details/?id={stored}", None),
        ("get", f"/admin/inst_learner_achievements/edit/?id={stored}", None),
        ("post", "/admin/inst_learner_achievements/delete/", {"id": stored}),
        ("get", f"/admin/inst_learner_achievements/store/{catalogue_achievement_id}/", None),
        ("post", f"/admin/inst_learner_achievements/store/{catalogue_achievement_id}/",
         {"real_name": "伪造学员", "id_number": "110101199003070011", "personal_code": "X1", "obtained_on": "2022-01-01"}),
        ("get", f"/admin/inst_learner_achievements/withdraw/?ids={stored}", None),
        ("post", f"/admin/inst_learner_achievements/withdraw/?ids={stored}",
         lambda: {"ids": str(stored), "reason": "forged", "reason_file": pdf()}),
        ("post", "/admin/inst_learner_achievements/action/", {"action": "withdraw", "rowid": [stored]}),
        # 学员账户
        ("get", "/admin/inst_learners/", None),
        ("get", f"/admin/inst_learners/details/?id={inactive}", None),
        ("get", f"/admin/inst_learners/edit/?id={inactive}", None),
        ("post", f"/admin/inst_learners/edit/?id={inactive}", {"real_name": "改名", "id_number": b.inactive.id_number}),
        ("post", "/admin/inst_learners/delete/", {"id": inactive}),
        ("post", "/admin/inst_learners/action/", {"action": "delete", "rowid": [inactive]}),
        # 问题反馈
        ("get", "/admin/inst_feedback/", None),
        ("get", f"/admin/inst_feedback/details/?id={b.feedback.id}", None),
        ("get", f"/admin/inst_feedback/handle/?id={b.feedback.id}", None),
        ("post", f"/admin/inst_feedback/handle/?id={b.feedback.id}", {"reply": "forged", "result": "resolved"}),
        # 我的消息
        ("get", "/admin/inst_messages/", None),
        ("get", f"/admin/inst_messages/open/?id={b.message.id}", None),
        ("post", "/admin/inst_messages/delete/", {"id": b.message.id}),
        # 用户管理
        ("get", "/admin/inst_users/", None),
        ("get", f"/admin/inst_users/details/?id={b.subuser.id}", None),
        ("get", f"/admin/inst_users/edit/?id={b.subuser.id}", None),
        ("post", f"/admin/inst_users/edit/?id={b.subuser.id}",
         {"username": "hijacked1", "real_name": "x", "phone": "13000000000", "menus": ["feedback"]}),
        ("post", "/admin/inst_users/delete/", {"id": b.subuser.id}),
        ("post", "/admin/inst_users/action/", {"action": "disable", "rowid": [b.subuser.id]}),
        ("post", "/admin/inst_users/action/", {"action": "reset_password", "rowid": [b.subuser.id]}),
        # import records and their files
        ("get", f"/files/{b.result.id}", None),
        ("get", f"/files/{b.result.id}?download=1", None),
    ]
    requests += excel_requests(b)
    return requests


def excel_requests(b):
    """导入记录 / result downloads / 导出 of the Excel mixin, where the views have it."""
    from flask import current_app

    found = []
    views = ("inst_achievements", "inst_learner_achievements", "inst_learners")
    for view in views:
        if f"{view}.import_records" not in current_app.view_functions:
            continue
        base = f"/admin/{view}"
        found += [
            ("get", f"{base}/imports/", None),
            ("get", f"{base}/imports/?target={b.catalogue_achievement.id}", None),
            ("get", f"{base}/import/{b.batch.id}/", None),
            ("get", f"{base}/import/{b.batch.id}/?file=rejected", None),
            ("get", f"{base}/import/?target={b.catalogue_achievement.id}", None),
            ("get", f"{base}/export/?ids={b.catalogue_achievement.id},{b.stored.id},{b.inactive.id}", None),
        ]
    return found


def fresh_export_code(user):
    """An export code for ``user``'s bound phone (earlier ones and the phone's counted
    requests dropped: no resend wait)."""
    VerificationCode.delete().where(VerificationCode.phone == user.phone).execute()
    ThrottleHit.delete().where(ThrottleHit.key == f"phone:{user.phone}").execute()
    return sms.issue_code(user.phone, SmsPurpose.EXPORT)


def exported_cells(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    return [str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row if cell is not None]


@pytest.fixture(params=["admin", "subuser"])
def actor(request, spaces, few_permissions_subuser):
    return spaces.a.admin if request.param == "admin" else few_permissions_subuser


def test_forged_ids_of_another_institution_are_refused(spaces, actor, client_as):
    client = client_as(actor)
    before = snapshot()
    markers = b_markers(spaces.b)
    for method, url, data in forged_requests(spaces.b):
        payload = data() if callable(data) else data
        response = getattr(client, method)(url, data=payload, follow_redirects=True)
        body = response.get_data(as_text=True)
        leaked = [m for m in markers if m and m in body]
        assert not leaked, (method, url, leaked)
        assert response.status_code in (200, 403, 404), (method, url, response.status_code)
    assert snapshot() == before
    assert LearnerAchievement.get_by_id(spaces.b.stored.id).status == AchievementStatus.CATALOGUE


def test_export_with_forged_ids_holds_nothing_of_another_institution(spaces, actor, client_as):
    """导出 with a valid SMS code: B's ids select nothing; the unfiltered export has A's rows only."""
    client = client_as(actor)
    b = spaces.b
    ids = f"{b.catalogue_achievement.id},{b.stored.id},{b.inactive.id},{b.learner.id}"
    markers = b_markers(b)
    exported = 0
    for view in ("inst_achievements", "inst_learner_achievements", "inst_learners"):
        for query in (f"?ids={ids}", ""):
            response = factories.export(client, f"/admin/{view}/export/{query}", {"code": fresh_export_code(actor)})
            if response.status_code == 403:
                continue  # a menu this sub-user lacks
            assert response.status_code == 200, (view, query, response.status_code)
            cells = exported_cells(response)
            assert not [m for m in markers if m and m in cells], (view, query)
            if view == "inst_achievements" and not query:
                assert spaces.a.catalogue_achievement.name in cells
            exported += 1
    assert exported >= 2


def test_own_rows_are_reachable(spaces, client_as):
    """The same routes do open A's own rows (so the refusals above are about B)."""
    client = client_as(spaces.a.admin)
    a = spaces.a
    for url in (
        f"/admin/inst_achievements/details/?id={a.catalogue_achievement.id}",
        f"/admin/inst_learner_achievements/details/?id={a.stored.id}",
        f"/admin/inst_learners/details/?id={a.inactive.id}",
        f"/admin/inst_feedback/details/?id={a.feedback.id}",
        f"/admin/inst_users/details/?id={a.subuser.id}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    details = client.get(f"/admin/inst_achievements/details/?id={a.catalogue_achievement.id}")
    assert a.catalogue_achievement.name in details.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/inst_learner_achievements/",
        "/admin/inst_learners/",
        "/admin/inst_feedback/",
        "/admin/inst_users/",
        "/admin/inst_info/edit/",
    ],
)
def test_subuser_without_the_permission_is_refused(spaces, few_permissions_subuser, client_as, url):
    """A sub-user granted only 机构成果 and 我的消息 cannot open the other menus."""
    client = client_as(few_permissions_subuser)
    assert client.get(url).status_code == 403


def test_subuser_menu_shows_only_granted_views(spaces, few_permissions_subuser, client_as):
    page = client_as(few_permissions_subuser).get("/admin/inst_achievements/").get_data(as_text=True)
    assert "/admin/inst_messages/" in page
    assert "/admin/inst_learner_achievements/" not in page
    assert "/admin/inst_users/" not in page


@pytest.mark.parametrize("role", ["learner", "reviewer", "committee"])
def test_other_roles_cannot_open_the_institution_space(spaces, client_as, role):
    client = client_as(role)
    for url in ("/admin/inst_achievements/", "/admin/inst_learner_achievements/", "/admin/inst_users/",
                "/admin/inst_feedback/", "/admin/inst_info/"):
        assert client.get(url).status_code in (302, 403), url
