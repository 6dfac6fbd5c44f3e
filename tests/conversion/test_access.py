"""Can institution A's users reach institution B's conversion work? B reviews C's batch
under B's rule and C's learners' own applications, and B batches its learners under C's
rule. A's admin, and A's sub-user without these menus, try B's batches, applications and
records by id, by filter and by export: refused, nothing changed, nothing leaked. Each
sub-user menu opens exactly its own screens."""
import pytest

from models import Application, ConversionBatch, LearnerAchievement, Message, Permission, ReviewRecord, User
from services import ledger
from tests import factories
from tests.conversion.conftest import grant, holders
from tests.institution.conftest import make_space
from tests.institution.test_access import exported_cells, fresh_export_code

SNAPSHOT = (Application, ConversionBatch, ReviewRecord, LearnerAchievement, User)


def snapshot():
    return {m.__name__: list(m.select().order_by(m._meta.primary_key).dicts()) for m in SNAPSHOT}


@pytest.fixture
def triangle(app, reference):
    a, b, c = make_space("A"), make_space("B"), make_space("C")
    b_course = factories.make_catalogue("course", institution=b.institution, name="乙接收课程")
    c_course = factories.make_catalogue("course", institution=c.institution, name="丙接收课程")
    into_b = factories.make_rule([c.catalogue_achievement], [b_course], institution=b.institution, code="202611290101")
    into_c = factories.make_rule([b.catalogue_achievement], [c_course], institution=c.institution, code="202611290102")
    c_holders = holders(c, 2, "丙学员")
    b_holders = holders(b, 2, "乙学员")
    received = ledger.submit_batch(c.institution, into_b, c_holders, c.admin)
    initiated = ledger.submit_batch(b.institution, into_c, b_holders, b.admin)
    # C's learner applied on their own under B's rule (past the initial review).
    point = factories.make_teaching_point()
    learner = factories.make_learner(real_name="丙个人申请者", teaching_point=point)
    own = factories.make_achievement(learner, c.catalogue_achievement)
    personal = ledger.submit_conversion(own, into_b, learner)
    ledger.initial_review(personal, factories.make_user("reviewer", institution=point), True, "同意")
    received_apps = [a.id for a in Application.select().where(Application.batch == received)]
    initiated_apps = [a.id for a in Application.select().where(Application.batch == initiated)]
    return dict(a=a, b=b, c=c, into_b=into_b, into_c=into_c, received=received, initiated=initiated,
                personal=personal, received_apps=received_apps, initiated_apps=initiated_apps)


def markers(t):
    return ["丙学员01", "丙学员02", "乙学员01", "乙学员02", "丙个人申请者", "乙接收课程", "丙接收课程",
            t["into_b"].code, t["into_c"].code]


def forged(t):
    rb, ib, p = t["received"].id, t["initiated"].id, t["personal"].id
    ra, ia = t["received_apps"], t["initiated_apps"]
    ids = ",".join(str(i) for i in [*ra, *ia, p])
    return [
        ("get", "/admin/inst_conv_review/", None),
        ("get", "/admin/inst_conv_review/?flt2_2=丙个人申请者", None),
        ("get", f"/admin/inst_conv_review/decide/?ids={p}", None),
        ("post", f"/admin/inst_conv_review/decide/?ids={p}", {"result": "pass"}),
        ("post", "/admin/inst_conv_review/decide/?flt2_2=丙", {"result": "fail", "reason": "伪造"}),
        ("get", "/admin/inst_conv_batches/", None),
        ("get", "/admin/inst_conv_batches/?flt1_1=2026112901", None),
        ("get", f"/admin/inst_conv_batches/review/{rb}/", None),
        ("get", f"/admin/inst_conv_batches/review/{rb}/?tab=done", None),
        ("get", f"/admin/inst_conv_batches/review/{rb}/decide/", None),
        ("post", f"/admin/inst_conv_batches/review/{rb}/decide/", {"result": "pass"}),
        ("post", f"/admin/inst_conv_batches/review/{rb}/decide/?ids={ra[0]}", {"result": "fail", "reason": "伪造"}),
        ("get", "/admin/inst_records/", None),
        ("get", "/admin/inst_records/?flt2_2=丙学员01", None),
        ("get", f"/admin/inst_records/history/?id={ra[0]}", None),
        ("get", f"/admin/inst_records/history/?id={p}", None),
        ("get", "/admin/inst_records_out/", None),
        ("get", "/admin/inst_records_out/?flt2_2=乙学员", None),
        ("get", f"/admin/inst_records_out/history/?id={ia[0]}", None),
        ("get", f"/admin/inst_batch/apply/{t['into_c'].id}/", None),
        ("post", f"/admin/inst_batch/apply/{t['into_c'].id}/", {"ids": [t["b"].stored.id]}),
        ("post", f"/admin/inst_batch/apply/{t['into_b'].id}/", {}),
        ("get", "/admin/inst_batch/", None),
        *[("get", f"/admin/{view}/export/?ids={ids}", None)
          for view in ("inst_conv_review", "inst_records", "inst_records_out")],
        ("get", f"/admin/inst_conv_batches/export/?ids={rb},{ib}", None),
    ]


@pytest.fixture(params=["admin", "subuser"])
def intruder(request, triangle):
    a = triangle["a"]
    if request.param == "admin":
        return a.admin
    grant(a.subuser, Permission.ACHIEVEMENTS, Permission.MESSAGES)
    return a.subuser


def test_another_institutions_conversion_work_is_out_of_reach(triangle, intruder, client_as):
    client = client_as(intruder)
    before = snapshot()
    messages = Message.select().count()
    for method, url, data in forged(triangle):
        response = getattr(client, method)(url, data=data, follow_redirects=True)
        body = response.get_data(as_text=True)
        leaked = [m for m in markers(triangle) if m in body]
        assert not leaked, (method, url, leaked)
        if intruder.role == "subuser":
            assert response.status_code == 403, (method, url, response.status_code)
        else:
            assert response.status_code in (200, 404), (method, url, response.status_code)
    assert snapshot() == before
    assert Message.select().count() == messages


def test_exports_with_a_code_hold_nothing_of_another_institution(triangle, client_as):
    a = triangle["a"]
    client = client_as(a.admin)
    ids = ",".join(str(i) for i in [*triangle["received_apps"], *triangle["initiated_apps"], triangle["personal"].id])
    for view in ("inst_conv_review", "inst_records", "inst_records_out", "inst_conv_batches"):
        for query in (f"?ids={ids}", "", "?flt2_2=丙"):
            response = factories.export(client, f"/admin/{view}/export/{query}", {"code": fresh_export_code(a.admin)})
            assert response.status_code == 200, (view, query)
            cells = exported_cells(response)
            assert not [m for m in markers(triangle) if m in cells], (view, query)


def test_the_owner_does_reach_them(triangle, client_as):
    """The same routes open for B (so the refusals above are about A)."""
    b = client_as(triangle["b"].admin)
    assert "丙学员01" in b.get(f"/admin/inst_conv_batches/review/{triangle['received'].id}/").get_data(as_text=True)
    assert "丙个人申请者" in b.get("/admin/inst_conv_review/").get_data(as_text=True)
    assert "丙学员01" in b.get(f"/admin/inst_records/history/?id={triangle['received_apps'][0]}").get_data(as_text=True)
    assert "乙学员01" in b.get("/admin/inst_records_out/").get_data(as_text=True)


MENUS = {
    Permission.RULES: ["/admin/inst_batch/"],
    Permission.REVIEWS: ["/admin/inst_conv_review/", "/admin/inst_conv_batches/"],
    Permission.RECORDS: ["/admin/inst_records/", "/admin/inst_records_out/"],
}


@pytest.mark.parametrize("menu", list(MENUS))
def test_each_sub_user_menu_opens_exactly_its_screens(triangle, client_as, menu):
    user = factories.make_user("subuser", institution=triangle["b"].institution)
    grant(user, menu)
    client = client_as(user)
    for granted, urls in MENUS.items():
        for url in urls:
            assert client.get(url).status_code == (200 if granted == menu else 403), (menu, url)
    # Actions behind the other menus are refused too (and change nothing).
    before = snapshot()
    if menu != Permission.REVIEWS:
        assert client.post(f"/admin/inst_conv_batches/review/{triangle['received'].id}/decide/",
                           data={"result": "pass"}).status_code == 403
    if menu != Permission.RULES:
        assert client.post(f"/admin/inst_batch/apply/{triangle['into_c'].id}/", data={}).status_code == 403
    if menu != Permission.RECORDS:
        assert factories.export(client, "/admin/inst_records/export/", {"code": fresh_export_code(user)}).status_code == 403
    assert snapshot() == before
    home = client.get("/admin/").get_data(as_text=True)
    assert ("/admin/inst_conv_review/" in home) == (menu == Permission.REVIEWS)
    assert ("/admin/inst_records/" in home) == (menu == Permission.RECORDS)


@pytest.mark.parametrize("role", ["learner", "reviewer", "committee"])
def test_other_roles_are_refused(triangle, client_as, role):
    client = client_as(role)
    for url in ("/admin/inst_conv_review/", "/admin/inst_conv_batches/", "/admin/inst_records/",
                "/admin/inst_records_out/", f"/admin/inst_batch/apply/{triangle['into_c'].id}/"):
        assert client.get(url).status_code in (302, 403), url
