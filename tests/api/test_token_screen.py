"""账户管理 › 接口令牌: the institution account creates a token (shown once, stored as a
hash), sees the list, revokes with CSRF; sub-users and other roles have no access; another
institution's token cannot be revoked from here."""
import hashlib
import re

import pytest

from models import ApiToken, AuditLog
from services.accounts import api_tokens
from tests import factories
from tests.api.conftest import bearer
from tests.institution.conftest import make_space
from tests.institution.test_lists import login_with_token

URL = "/admin/inst_api_tokens/"


def shown_token(html):
    found = re.findall(r'value="(cbk_[A-Za-z0-9_-]+)"', html)
    return found[0] if found else None


def test_the_institution_account_creates_a_token_shown_once(app, reference, client_as):
    a = make_space("A")
    client = client_as(a.admin)
    page = client.get(URL).get_data(as_text=True)
    assert "接口令牌" in page and "暂无接口令牌" in page and "/api/v1/openapi.json" in page
    response = client.post(URL, data={"name": "教务系统同步", "scope": "write"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    token = shown_token(html)
    assert token and "仅显示这一次" in html
    row = ApiToken.get()
    assert (row.institution_id, row.name, row.scope, row.created_by_id) == (a.institution.id, "教务系统同步", "write",
                                                                            a.admin.id)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.hint == token[:12]
    assert AuditLog.get(AuditLog.action == "api_token_created").object_id == row.id
    # Never again: the list shows its name, scope and first characters only.
    later = client.get(URL).get_data(as_text=True)
    assert token not in later and shown_token(later) is None
    assert "教务系统同步" in later and "读写" in later and row.hint in later and "从未使用" in later
    # The token works, and the list then shows when it was last used.
    assert app.test_client().get("/api/v1/rules", headers=bearer(token)).status_code == 200
    assert "从未使用" not in client.get(URL).get_data(as_text=True)


def test_a_token_needs_a_name_and_a_known_scope(app, reference, client_as):
    client = client_as(make_space("A").admin)
    for data in ({"name": "", "scope": "read"}, {"name": "x", "scope": "admin"}, {"name": "x" * 101, "scope": "read"}):
        response = client.post(URL, data=data)
        assert response.status_code == 200 and shown_token(response.get_data(as_text=True)) is None
    assert ApiToken.select().count() == 0


@pytest.mark.parametrize("who", ["subuser", "center", "learner", "reviewer"])
def test_only_the_institution_account_manages_tokens(app, reference, client_as, who):
    a = make_space("A")
    _row, _token = api_tokens.create(a.institution.id, "A令牌", "read", a.admin)
    user = a.subuser if who == "subuser" else factories.make_user(who)
    client = client_as(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"name": "偷偷", "scope": "write"}).status_code == 403
    assert client.post(URL + "revoke/", data={"id": _row.id}).status_code == 403
    assert ApiToken.select().count() == 1 and ApiToken.get().revoked_at is None
    anonymous = app.test_client().get(URL)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_revoking_needs_the_csrf_token_and_only_reaches_own_tokens(csrf_app, reference):
    a, b = make_space("A"), make_space("B")
    mine, token = api_tokens.create(a.institution.id, "A令牌", "read", a.admin)
    theirs, their_token = api_tokens.create(b.institution.id, "B令牌", "read", b.admin)
    client = csrf_app.test_client()
    login_with_token(client, a.admin)
    page = client.get(URL).get_data(as_text=True)
    assert 'data-confirm="确定撤销接口令牌“A令牌”吗' in page and "B令牌" not in page
    assert client.post(URL + "revoke/", data={"id": mine.id}).status_code == 400  # no CSRF token
    assert ApiToken.get_by_id(mine.id).revoked_at is None
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(URL + "revoke/", data={"id": theirs.id, "csrf_token": csrf}).status_code == 404
    assert ApiToken.get_by_id(theirs.id).revoked_at is None
    response = client.post(URL + "revoke/", data={"id": mine.id, "csrf_token": csrf})
    assert response.status_code == 302
    row = ApiToken.get_by_id(mine.id)
    assert row.revoked_at is not None and row.revoked_by_id == a.admin.id
    assert AuditLog.get(AuditLog.action == "api_token_revoked").object_id == mine.id
    assert "已于" in client.get(URL).get_data(as_text=True)
    api = csrf_app.test_client()
    assert api.get("/api/v1/rules", headers=bearer(token)).status_code == 401
    assert api.get("/api/v1/rules", headers=bearer(their_token)).status_code == 200
    # Revoking twice changes nothing.
    assert client.post(URL + "revoke/", data={"id": mine.id, "csrf_token": csrf}).status_code == 404
