"""Who reaches 转换办法发布 and 转换规则管理: sub-users only with the menu (403 otherwise,
not just a hidden entry), and institution A's users never B's methods and rules by id —
details, edit, delete, publish/withdraw actions, file downloads: refused, nothing changed."""
from types import SimpleNamespace

import pytest

from models import (
    Attachment,
    ConversionMethod,
    ConversionRule,
    Permission,
    Role,
    RuleSource,
    RuleStatus,
    RuleTarget,
    UserPermission,
)
from services.files import filestore
from tests import factories
from tests.rules.conftest import has_read_commitment

SNAPSHOT_MODELS = (ConversionMethod, ConversionRule, RuleSource, RuleTarget, Attachment)


def snapshot():
    return {m.__name__: list(m.select().order_by(m._meta.primary_key).dicts()) for m in SNAPSHOT_MODELS}


def stored_pdf(owner_type, owner_id, name):
    stored_name = f"{owner_type}-{owner_id}.pdf"
    filestore.current().write(stored_name, iter([b"%PDF-1.4\n%%EOF\n"]))
    return Attachment.create(owner_type=owner_type, owner_id=owner_id, purpose=owner_type, original_name=name,
                             stored_name=stored_name, size=14, mime="application/pdf", sha256="0" * 64)


@pytest.fixture
def b_side(app, reference):
    """Institution B: a published and a draft method, a draft and a published rule, PDFs."""
    b = factories.make_institution(name="B学院")
    published = factories.make_method(b, name="B已发布办法")
    draft = factories.make_method(b, name="B草稿办法", published=False)
    source = factories.make_catalogue("inst_x_cert", name="某X证书")
    target = factories.make_catalogue("inst_voc_course", institution=b, name="B课程")
    draft_rule = factories.make_rule([source], [target], institution=b, name="B未提交规则", status=RuleStatus.DRAFT)
    live_rule = factories.make_rule([source], [target], institution=b, name="B已发布规则")
    files = {}
    for owner_type, owner in (("method", draft), ("method", published), ("rule", draft_rule), ("rule", live_rule)):
        attachment = stored_pdf(owner_type, owner.id, f"{owner}.pdf")
        type(owner).update(file=attachment).where(type(owner).id == owner.id).execute()
        files[(owner_type, owner.id)] = attachment
    return SimpleNamespace(institution=b, published=published, draft=draft, draft_rule=draft_rule,
                           live_rule=live_rule, source=source, target=target, files=files)


def forged_requests(b):
    m, d, r, p = b.published.id, b.draft.id, b.draft_rule.id, b.live_rule.id
    form = {"name": "改了", "commitment": "y", "rule_type": "nd2d", "sources": str(b.source.id),
            "courses": str(b.target.id)}
    return [
        ("get", f"/admin/inst_methods/edit/?id={d}", None),
        ("post", f"/admin/inst_methods/edit/?id={d}", {"name": "改了", "commitment": "y"}),
        ("post", "/admin/inst_methods/delete/", {"id": d}),
        ("post", "/admin/inst_methods/action/", {"action": "publish", "rowid": [d]}),
        ("post", "/admin/inst_methods/action/", {"action": "unpublish", "rowid": [m]}),
        ("post", "/admin/inst_methods/action/", {"action": "delete", "rowid": [d]}),
        ("get", f"/admin/inst_rules/details/?id={r}", None),
        ("get", f"/admin/inst_rules/details/?id={p}", None),
        ("get", f"/admin/inst_rules/related/?id={r}", None),
        ("get", f"/admin/inst_rules/related/?id={p}", None),  # published, but its source is not A's
        ("get", f"/admin/inst_rules/edit/?id={r}", None),
        ("post", f"/admin/inst_rules/edit/?id={r}", form),
        ("post", "/admin/inst_rules/delete/", {"id": r}),
        ("post", "/admin/inst_rules/action/", {"action": "publish", "rowid": [r]}),
        ("post", "/admin/inst_rules/action/", {"action": "take_down", "rowid": [p]}),
        ("post", "/admin/inst_rules/action/", {"action": "delete", "rowid": [r]}),
        ("get", f"/files/{b.files[('method', d)].id}", None),
        ("get", f"/files/{b.files[('rule', r)].id}", None),
    ]


@pytest.fixture
def a_users(app, reference, client_as):
    a = factories.make_institution(name="A学院")
    factories.make_method(a, name="A办法")
    admin = has_read_commitment(factories.make_user(Role.INSTITUTION, institution=a))
    sub = has_read_commitment(factories.make_user(Role.SUBUSER, institution=a, username="asub"))
    for code in (Permission.METHODS, Permission.RULES):
        UserPermission.create(user=sub, permission=code)
    return {"admin": client_as(admin), "subuser": client_as(sub)}


@pytest.mark.parametrize("who", ["admin", "subuser"])
def test_institution_a_cannot_reach_b_s_methods_and_rules(a_users, b_side, who):
    client = a_users[who]
    before = snapshot()
    for method, url, data in forged_requests(b_side):
        response = getattr(client, method)(url, data=data)
        body = response.get_data(as_text=True)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        for marker in ("B草稿办法", "B未提交规则", "B已发布规则"):
            assert marker not in body, (url, marker)
        assert snapshot() == before, url
    for url in ("/admin/inst_methods/", "/admin/inst_methods/?status=unpublished", "/admin/inst_rules/",
                "/admin/inst_rules/?tab=related", "/admin/inst_rules/?institution=B学院&tab=related"):
        body = client.get(url).get_data(as_text=True)
        for marker in ("B草稿办法", "B已发布办法", "B未提交规则", "B已发布规则"):
            assert marker not in body, (url, marker)
    # The picker of targets offers only A's own achievements.
    found = client.get("/admin/inst_rules/ajax/lookup/?name=courses&query=B课程").get_json()
    assert found == []


def method_urls(draft_id):
    return ["/admin/inst_methods/", "/admin/inst_methods/new/", f"/admin/inst_methods/edit/?id={draft_id}"]


def rule_urls(rule_id):
    return ["/admin/inst_rules/", "/admin/inst_rules/new/", "/admin/inst_rules/?tab=related",
            f"/admin/inst_rules/details/?id={rule_id}", f"/admin/inst_rules/edit/?id={rule_id}"]


@pytest.mark.parametrize("granted", [Permission.METHODS, Permission.RULES, Permission.ACHIEVEMENTS])
def test_each_permission_opens_exactly_its_menu(app, reference, client_as, granted):
    a = factories.make_institution(name="A学院")
    method = factories.make_method(a, name="A草稿办法", published=False)
    method_file = stored_pdf("method", method.id, "A草稿办法.pdf")
    source = factories.make_catalogue("inst_x_cert", name="某X证书")
    rule = factories.make_rule([source], [factories.make_catalogue("inst_voc_course", institution=a)],
                               institution=a, name="A未提交规则", status=RuleStatus.DRAFT)
    rule_file = stored_pdf("rule", rule.id, "A规则.pdf")
    sub = has_read_commitment(factories.make_user(Role.SUBUSER, institution=a, username="asub"))
    UserPermission.create(user=sub, permission=granted)
    client = client_as(sub)
    before = snapshot()
    menu = client.get("/admin/").get_data(as_text=True)
    assert ("/admin/inst_methods/" in menu) is (granted == Permission.METHODS)
    assert ("/admin/inst_rules/" in menu) is (granted == Permission.RULES)
    for url in method_urls(method.id):
        assert client.get(url).status_code == (200 if granted == Permission.METHODS else 403), url
    for url in rule_urls(rule.id):
        assert client.get(url).status_code == (200 if granted == Permission.RULES else 403), url
    refused = [
        ("/admin/inst_methods/action/", {"action": "publish", "rowid": [method.id]}, Permission.METHODS),
        ("/admin/inst_methods/delete/", {"id": method.id}, Permission.METHODS),
        ("/admin/inst_rules/action/", {"action": "publish", "rowid": [rule.id]}, Permission.RULES),
        ("/admin/inst_rules/delete/", {"id": rule.id}, Permission.RULES),
    ]
    for url, data, needed in refused:
        if needed != granted:
            assert client.post(url, data=data).status_code == 403, url
    assert snapshot() == before
    # The unpublished files of the institution: only with their menu.
    assert client.get(f"/files/{method_file.id}").status_code == (200 if granted == Permission.METHODS else 404)
    assert client.get(f"/files/{rule_file.id}").status_code == (200 if granted == Permission.RULES else 404)


def test_posts_without_csrf_token_change_nothing(csrf_app, reference):
    from tests.institution.test_lists import login_with_token

    a = factories.make_institution(name="A学院")
    method = factories.make_method(a, name="A草稿办法", published=False)
    rule = factories.make_rule([factories.make_catalogue("inst_x_cert")],
                               [factories.make_catalogue("inst_voc_course", institution=a)],
                               institution=a, status=RuleStatus.DRAFT)
    admin = has_read_commitment(factories.make_user(Role.INSTITUTION, institution=a))
    client = csrf_app.test_client()
    login_with_token(client, admin)
    before = snapshot()
    for url, data in (
        ("/admin/inst_methods/new/", {"name": "办法", "commitment": "y"}),
        (f"/admin/inst_methods/edit/?id={method.id}", {"name": "改了", "commitment": "y"}),
        ("/admin/inst_methods/action/", {"action": "publish", "rowid": [method.id]}),
        ("/admin/inst_methods/delete/", {"id": method.id}),
        ("/admin/inst_rules/new/", {"name": "规则", "rule_type": "nd2d", "commitment": "y"}),
        (f"/admin/inst_rules/edit/?id={rule.id}", {"name": "改了", "rule_type": "nd2d", "commitment": "y"}),
        ("/admin/inst_rules/action/", {"action": "publish", "rowid": [rule.id]}),
        ("/admin/inst_rules/delete/", {"id": rule.id}),
    ):
        assert client.post(url, data=data).status_code in (200, 302, 400), url
        assert snapshot() == before, url
