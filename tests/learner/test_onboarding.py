"""Onboarding without dead ends: a learner with no phone resets a forgotten password by
e-mail; a login says why it failed when the password proves the person may know
(账户审核中, the other identity); the rules are written next to their fields before the
first try, and say the same as the checks; 我的信息 says how to log in without a username."""
import re

import openpyxl
import pytest

from models import AccountStatus, ActivationRequest, AuditLog, EmailOutbox, Role, User
from services import accounts, excel
from tests import factories
from tests.learner.test_issue17_email_activation import ask


@pytest.fixture
def by_email(app):
    """A learner activated by e-mail: no phone, an e-mail address, a password."""
    return factories.make_learner(phone=None, email="wu@example.cn", username=None)


def reset_link(email):
    body = EmailOutbox.select().where(EmailOutbox.email == email).order_by(EmailOutbox.id.desc()).first().body
    return re.search(r"https?://[^/\s]+(/forgot-password/email/\S+)", body).group(1)


def test_a_learner_without_a_phone_resets_the_password_by_email(client, by_email):
    page = client.get("/forgot-password").get_data(as_text=True)
    assert "data-reset-by-email" in page
    sent = client.post("/forgot-password/email", data={"email": "WU@example.cn"}, follow_redirects=True)
    assert "如该邮箱已绑定账户" in sent.get_data(as_text=True) or "重置密码的链接" in sent.get_data(as_text=True)
    link = reset_link("wu@example.cn")
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": "NewStudy2026", "confirm": "NewStudy2026"})
    assert done.status_code == 302 and done.location.endswith("/login")
    assert accounts.verify_password(User.get_by_id(by_email.id), "NewStudy2026")
    assert AuditLog.select().where(AuditLog.action == "password_reset", AuditLog.object_id == by_email.id).exists()
    # The link dies with its first use.
    again = client.post(link, data={"password": "Other2026x", "confirm": "Other2026x"})
    assert again.status_code == 400 and "data-link-expired" in again.get_data(as_text=True)
    assert accounts.verify_password(User.get_by_id(by_email.id), "NewStudy2026")


def test_an_unknown_address_is_answered_the_same_and_sent_nothing(client, by_email):
    known = client.post("/forgot-password/email", data={"email": "wu@example.cn"}, follow_redirects=True)
    unknown = client.post("/forgot-password/email", data={"email": "nobody@example.cn"}, follow_redirects=True)
    strip = lambda r: re.sub(r'name="csrf_token" [^>]*', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(known) == strip(unknown)
    assert not EmailOutbox.select().where(EmailOutbox.email == "nobody@example.cn").exists()


def test_a_forged_link_opens_nothing(client, by_email):
    response = client.get("/forgot-password/email/forged.token")
    assert response.status_code == 400 and "data-link-expired" in response.get_data(as_text=True)


def login(client, identifier, password, identity="person"):
    return client.post("/login", data={"identity": identity, "identifier": identifier, "password": password})


def test_an_account_under_review_is_told_so_at_login(client, app):
    imported = factories.make_learner(password=None, status=AccountStatus.INACTIVE, username=None, phone=None)
    ask(client, imported, email="zhao@example.cn", password="Study2024")
    client.get("/logout")
    page = login(client, "zhao@example.cn", "Study2024").get_data(as_text=True)
    page = page if "账户审核中" in page else login(client, imported.id_number, "Study2024").get_data(as_text=True)
    assert "账户审核中" in page
    assert "账户审核中" not in login(client, imported.id_number, "Wrong2024x").get_data(as_text=True)


@pytest.mark.parametrize("role, chosen, says", [("institution", "person", "机构用户"), ("learner", "institution", "个人用户")])
def test_the_wrong_identity_is_named_when_the_password_is_right(client, app, role, chosen, says):
    user = factories.make_user(role, username="zhanghao01")
    page = login(client, "zhanghao01", factories.PASSWORD, identity=chosen).get_data(as_text=True)
    assert f"请选择“{says}”" in page
    wrong = login(client, "zhanghao01", "Wrong2024x", identity=chosen).get_data(as_text=True)
    assert "账号或密码错误" in wrong and f"请选择“{says}”" not in wrong
    assert user.role in (Role.INSTITUTION, Role.LEARNER)


def test_rules_are_written_next_to_their_fields(client, client_as):
    register = client.get("/register?agree=1").get_data(as_text=True)
    assert 'id="username-hint"' in register and "字母和数字，4–30位" in register
    assert 'id="password-hint"' in register and "8–64位" in register
    institution = client_as("institution")
    new_user = institution.get("/admin/inst_users/new/").get_data(as_text=True)
    assert "字母和数字，4–30位" in new_user  # before the first save, not only after a refusal


def test_the_email_activation_states_the_password_rule_the_check_applies(client):
    imported = factories.make_learner(password=None, status=AccountStatus.INACTIVE, username=None, phone=None)
    client.post("/activate", data={"id_number": imported.id_number})
    page = client.get("/activate/email").get_data(as_text=True)
    assert "8–64位" in page and "8–16" not in page
    long_password = "Study2024" + "x" * 12  # 21 characters: accepted, as the hint says
    assert len(long_password) == 21
    client.post("/activate/email", data={"email": "a@example.cn", "password": long_password, "confirm": long_password})
    assert ActivationRequest.get(ActivationRequest.user == imported.id).email == "a@example.cn"


def test_the_sms_code_of_activation_is_marked_required(client):
    imported = factories.make_learner(password=None, status=AccountStatus.INACTIVE, username=None)
    page = client.post("/activate", data={"id_number": imported.id_number}, follow_redirects=True).get_data(as_text=True)
    label = re.search(r'<label for="sms_code">[^<]*</label>\s*<span class="text-danger">\*</span>', page)
    assert label, "the verification code field has its required mark"


def test_the_learner_account_template_explains_each_column_once(tmp_path):
    kind = excel.KINDS["learner_accounts"]
    path = tmp_path / "template.xlsx"
    excel.write_template(str(path), kind, None)
    notes = openpyxl.load_workbook(path)["填写说明"]
    texts = [row[2] for row in notes.iter_rows(values_only=True) if row[0] == "身份证号"]
    assert texts and texts[0].count("18位居民身份证号") == 1


def test_downloaded_templates_have_an_ascii_name_too(client_as):
    center = client_as("center")
    response = center.get("/admin/learners/import/template/?kind=learner_accounts")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert 'filename="template-learner_accounts.xlsx"' in disposition and "filename*=UTF-8''" in disposition


def test_my_information_says_how_to_log_in_without_a_username(client):
    learner = factories.make_learner(username=None)
    assert login(client, learner.id_number, factories.PASSWORD).status_code == 302
    page = client.get("/me/").get_data(as_text=True)
    assert re.search(r"data-username>[^<]*证件号码", page)
