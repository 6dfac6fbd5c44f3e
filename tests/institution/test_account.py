"""账户管理: 机构信息 (validated), 修改密码 with an SMS code, bound phone change, and
用户管理 — sub-users with permissions, 停用 (logged out at once), 启用, 重置密码, 删除, 修改."""
import pytest

from models import AccountStatus, Institution, Permission, SmsOutbox, SmsPurpose, User, UserPermission
from services import accounts, sms
from services.validators import USCC_CHARS, USCC_WEIGHTS
from tests import factories


def credit_code(first17="91440101MA59XXXX0"):
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


INFO = {
    "supervisor": "广东省教育厅", "identifier_code": "4144014263", "credit_code": credit_code(),
    "school_type": "高职(专科)", "legal_representative": "张校长", "contact_name": "李老师",
    "contact_phone": "13812345678", "contact_email": "office@example.edu.cn", "postal_code": "510000",
    "address": "广州市天河区", "business_scope": "高等职业教育", "intro": "",
}


def test_institution_info_is_saved_when_valid(spaces, client_as):
    client = client_as(spaces.a.admin)
    assert client.post("/admin/inst_info/edit/", data=INFO).status_code == 302
    saved = Institution.get_by_id(spaces.a.institution.id)
    assert saved.credit_code == INFO["credit_code"] and saved.postal_code == "510000"
    assert "张校长" in client.get("/admin/inst_info/").get_data(as_text=True)


@pytest.mark.parametrize(
    "field, value",
    [
        ("credit_code", credit_code()[:17] + ("0" if credit_code()[17] != "0" else "1")),
        ("postal_code", "51000"),
        ("contact_email", "office@"),
        ("contact_phone", "1381234567"),
        ("legal_representative", ""),
    ],
)
def test_institution_info_validation_keeps_input(spaces, client_as, field, value):
    client = client_as(spaces.a.admin)
    response = client.post("/admin/inst_info/edit/", data=dict(INFO, **{field: value}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "invalid-feedback" in page
    assert "广州市天河区" in page
    assert Institution.get_by_id(spaces.a.institution.id).address is None


def test_subuser_reads_but_cannot_modify_institution_info(spaces, client_as):
    client = client_as(spaces.a.subuser)
    assert client.get("/admin/inst_info/").status_code == 200
    assert client.post("/admin/inst_info/edit/", data=INFO).status_code == 403
    assert Institution.get_by_id(spaces.a.institution.id).address is None


def test_password_change_needs_the_sms_code(spaces, client_as):
    admin = spaces.a.admin
    client = client_as(admin)
    data = {"old_password": factories.PASSWORD, "new_password": "NewPass123", "confirm": "NewPass123"}
    client.post("/password?normal=1", data=dict(data, sms_code="000000"))
    assert accounts.verify_password(User.get_by_id(admin.id), factories.PASSWORD)
    code = sms.issue_code(admin.phone, SmsPurpose.CHANGE_PASSWORD)
    assert client.post("/password?normal=1", data=dict(data, sms_code=code)).status_code == 302
    assert accounts.verify_password(User.get_by_id(admin.id), "NewPass123")


def test_bound_phone_change_needs_password_and_code_to_the_new_phone(spaces, client_as):
    admin = spaces.a.admin
    client = client_as(admin)
    new_phone = "13712345678"
    code = sms.issue_code(new_phone, SmsPurpose.CHANGE_PHONE)
    client.post("/admin/inst_profile/", data={"password": "wrong123", "phone": new_phone, "sms_code": code})
    assert User.get_by_id(admin.id).phone == admin.phone
    client.post("/admin/inst_profile/", data={"password": factories.PASSWORD, "phone": new_phone, "sms_code": "000000"})
    assert User.get_by_id(admin.id).phone == admin.phone
    # The wrong attempt above counted; the right code still works within its attempts.
    response = client.post("/admin/inst_profile/", data={"password": factories.PASSWORD, "phone": new_phone,
                                                         "sms_code": code})
    assert response.status_code == 302
    assert User.get_by_id(admin.id).phone == new_phone


# --- 用户管理 ------------------------------------------------------------------------------


def test_create_subuser_with_permissions_and_a_link_to_set_the_password(spaces, client_as, app, sms_delivered):
    client = client_as(spaces.a.admin)
    response = client.post("/admin/inst_users/new/", data={
        "username": "asub2", "real_name": "王助理", "phone": "13612345678",
        "menus": [Permission.LEARNER_ACHIEVEMENTS, Permission.FEEDBACK],
    })
    assert response.status_code == 302
    sub = User.get(User.username == "asub2")
    assert sub.role == "subuser" and sub.institution_id == spaces.a.institution.id and sub.must_change_password
    assert {p.permission for p in sub.permissions} == {"learner_achievements", "feedback"}
    message = SmsOutbox.get(SmsOutbox.phone == "13612345678")
    link = factories.password_link(sms_delivered[-1][1])
    assert link.rsplit("/", 1)[1] not in message.body and "******" in message.body
    assert "asub2" in message.body and "asub2" in sms_delivered[-1][1]
    # The link sets the password once; then only the granted menus open.
    sub_client = app.test_client()
    assert "asub2" in sub_client.get(link).get_data(as_text=True)
    assert sub_client.post(link, data={"new_password": "MyOwn1234", "confirm": "MyOwn1234"}).status_code == 302
    assert sub_client.get(link).status_code == 410  # spent
    factories.login(sub_client, sub, password="MyOwn1234")
    assert sub_client.get("/admin/inst_feedback/").status_code == 200
    assert sub_client.get("/admin/inst_learners/").status_code == 403


def test_edit_subuser_permissions(spaces, client_as):
    sub = spaces.a.subuser
    client = client_as(spaces.a.admin)
    client.post(f"/admin/inst_users/edit/?id={sub.id}", data={
        "username": sub.username, "real_name": "改名子用户", "phone": sub.phone, "menus": [Permission.MESSAGES],
    })
    after = User.get_by_id(sub.id)
    assert after.real_name == "改名子用户"
    assert [p.permission for p in UserPermission.select().where(UserPermission.user == sub)] == ["messages"]


def test_disabled_subuser_is_logged_out_at_the_next_request(spaces, few_permissions_subuser, client_as):
    sub = few_permissions_subuser
    sub_client = client_as(sub)
    assert sub_client.get("/admin/inst_achievements/").status_code == 200
    admin = client_as(spaces.a.admin)
    admin.post("/admin/inst_users/action/", data={"action": "disable", "rowid": [sub.id]})
    assert User.get_by_id(sub.id).status == AccountStatus.DISABLED
    response = sub_client.get("/admin/inst_achievements/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    refused = sub_client.post("/login", data={"identity": "institution", "identifier": sub.username,
                                              "password": factories.PASSWORD})
    assert refused.status_code == 200 and "停用" in refused.get_data(as_text=True)
    admin.post("/admin/inst_users/action/", data={"action": "enable", "rowid": [sub.id]})
    factories.login(sub_client, sub)
    assert sub_client.get("/admin/inst_achievements/").status_code == 200


def test_reset_password_sends_a_link_to_set_it(spaces, client_as, sms_delivered, app):
    sub = spaces.a.subuser
    client_as(spaces.a.admin).post("/admin/inst_users/action/", data={"action": "reset_password", "rowid": [sub.id]})
    after = User.get_by_id(sub.id)
    assert after.must_change_password
    assert not accounts.verify_password(after, factories.PASSWORD)
    link = factories.password_link(sms_delivered[-1][1])
    app.test_client().post(link, data={"new_password": "Again2026x", "confirm": "Again2026x"})
    assert accounts.verify_password(User.get_by_id(sub.id), "Again2026x")


def test_delete_subuser(spaces, client_as):
    sub = spaces.a.subuser
    client_as(spaces.a.admin).post("/admin/inst_users/delete/", data={"id": sub.id})
    assert User.get_or_none(User.id == sub.id) is None


def test_subusers_cannot_manage_users(spaces, few_permissions_subuser, client_as):
    client = client_as(few_permissions_subuser)
    assert client.get("/admin/inst_users/").status_code == 403
    client.post("/admin/inst_users/action/", data={"action": "disable", "rowid": [spaces.a.admin.id]})
    assert User.get_by_id(spaces.a.admin.id).status == AccountStatus.ACTIVE
