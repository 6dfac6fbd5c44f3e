"""Issue 14, items 2, 3, 4, 9 and 10: the attacks on accounts, replayed, each failing."""
import datetime as dt

from models import AuditLog, SmsOutbox, User, UserSession, now
from services import accounts, login_policy, password_links, sessions
from tests import factories


def login_as(client, user, password=factories.PASSWORD, **extra):
    identity = "institution" if user.role in ("institution", "subuser") else "person"
    return client.post("/login", data={"identity": identity, "identifier": user.username, "password": password, **extra})


# --- item 2: no live code in the center's SMS outbox ----------------------------------------


def test_center_cannot_read_a_reset_code_in_the_outbox(app, client_as, sms_delivered):
    learner = factories.make_learner()
    visitor = app.test_client()
    answer = visitor.post("/sms/send", data={"purpose": "reset_password", "phone": learner.phone}).get_json()
    assert answer["ok"]
    code = sms_delivered[-1][1].split("验证码是")[1][:6]
    assert code.isdigit()
    center = client_as("center")
    for url in ("/admin/sms_outbox/", f"/admin/sms_outbox/?search={learner.phone}",
                f"/admin/sms_outbox/details/?id={SmsOutbox.get().id}"):
        page = center.get(url).get_data(as_text=True)
        assert code not in page, url
    assert code not in SmsOutbox.get().body and "******" in SmsOutbox.get().body
    # The code still works for the phone's owner.
    reset = visitor.post("/forgot-password", data={
        "phone": learner.phone, "sms_code": code, "password": "Fresh2026x", "confirm": "Fresh2026x"})
    assert reset.status_code == 302
    assert accounts.verify_password(User.get_by_id(learner.id), "Fresh2026x")


def test_migration_masks_codes_already_in_the_outbox(app):
    from migrations import v07_user_sessions

    SmsOutbox.create(phone="13500000001", body="【学分银行】您的验证码是818606，10分钟内有效。", purpose="reset_password", backend="console")
    SmsOutbox.create(phone="13500000002", body="账号 tp1 一次性登录码：Ab3dE5gH7k，登录后请设置密码。", purpose="notice", backend="console")
    SmsOutbox.create(phone="13500000003", body="您的申请已于 2026 年通过 123456 号", purpose="notice", backend="console")
    UserSession.drop_table()
    v07_user_sessions.upgrade(None)
    bodies = [row.body for row in SmsOutbox.select().order_by(SmsOutbox.id)]
    assert "818606" not in bodies[0] and "Ab3dE5gH7k" not in bodies[1] and "123456" in bodies[2]


# --- item 3: sessions end server-side ------------------------------------------------------


def test_a_cookie_copied_before_logout_no_longer_opens_the_account(app):
    learner = factories.make_learner()
    client = app.test_client()
    assert login_as(client, learner).status_code == 302
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/me/").status_code == 302


def test_a_password_change_ends_the_other_sessions(app):
    learner = factories.make_learner()
    laptop, phone = app.test_client(), app.test_client()
    login_as(laptop, learner)
    login_as(phone, learner)
    changed = laptop.post("/password?normal=1", data={
        "old_password": factories.PASSWORD, "new_password": "Other2026x", "confirm": "Other2026x"})
    assert changed.status_code == 302
    assert laptop.get("/me/").status_code == 200  # the session that changed it goes on
    assert phone.get("/me/").status_code == 302


def test_reset_disable_and_role_change_end_sessions(app):
    learner, staff = factories.make_learner(), factories.make_user("center")
    clients = {}
    for user in (learner, staff):
        clients[user.id] = app.test_client()
        login_as(clients[user.id], user)
    assert clients[learner.id].get("/me/").status_code == 200
    password_links.send(learner)  # the center's 重置密码
    assert clients[learner.id].get("/me/").status_code == 302
    assert clients[staff.id].get("/admin/").status_code == 200
    User.update(role="committee").where(User.id == staff.id).execute()
    assert clients[staff.id].get("/admin/").status_code in (302, 403)
    login_as(clients[staff.id], User.get_by_id(staff.id))
    User.update(status="disabled").where(User.id == staff.id).execute()
    assert clients[staff.id].get("/admin/").status_code in (302, 403)


def test_idle_and_absolute_limits(app):
    learner, staff = factories.make_learner(), factories.make_user("institution")
    for user, idle in ((learner, dt.timedelta(hours=12)), (staff, dt.timedelta(hours=2))):
        client = app.test_client()
        login_as(client, user)
        home = "/me/" if user.role == "learner" else "/admin/"
        assert client.get(home).status_code == 200
        set_session(user, last_seen_at=now() - idle + dt.timedelta(minutes=5))
        assert client.get(home).status_code == 200  # within the idle time
        set_session(user, last_seen_at=now() - idle - dt.timedelta(minutes=5))
        assert client.get(home).status_code == 302
    client = app.test_client()
    login_as(client, learner)
    set_session(learner, created_at=now() - sessions.ABSOLUTE - dt.timedelta(minutes=1))
    assert client.get("/me/").status_code == 302


def set_session(user, **fields):
    """Move the clock of the user's sessions instead of sleeping."""
    UserSession.update(**fields).where(UserSession.user == user.id).execute()


def test_login_starts_a_new_session_and_csrf_secret(app):
    learner = factories.make_learner()
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as before:
        before["csrf_token"] = "planted-by-attacker"
        before["_user_id"] = str(learner.id)  # a forged/fixated session without a server row
    assert client.get("/me/").status_code == 302
    login_as(client, learner)
    with client.session_transaction() as after:
        assert after.get("csrf_token") != "planted-by-attacker" and after.get(sessions.TOKEN_KEY)


# --- item 4: no lock-out button ------------------------------------------------------------


def test_right_password_with_a_code_opens_the_account_after_20_failures(app, sms_delivered):
    learner = factories.make_learner()
    attacker = app.test_client()
    for _ in range(20):
        login_as(attacker, learner, "Wrong2026x")
    owner = app.test_client()
    asked = login_as(owner, learner)
    assert asked.status_code == 200 and 'name="sms_code"' in asked.get_data(as_text=True)
    # Without the code, the right password is not told apart from a wrong one.
    wrong = login_as(owner, learner, "Wrong2026x").get_data(as_text=True)
    assert "验证码错误或已失效" in wrong and "验证码错误或已失效" in asked.get_data(as_text=True)
    sent = owner.post("/sms/send", data={"purpose": "login", "identifier": learner.username, "identity": "person"})
    assert sent.get_json()["ok"]
    code = sms_delivered[-1][1].split("验证码是")[1][:6]
    assert login_as(owner, learner, "Wrong2026x", sms_code=code).status_code == 200
    # A wrong password with the code does not use the code up.
    assert login_as(owner, learner, sms_code=code).status_code == 302
    assert owner.get("/me/").status_code == 200


def test_login_code_request_is_neutral(app):
    learner = factories.make_learner()
    client = app.test_client()
    known = client.post("/sms/send", data={"purpose": "login", "identifier": learner.username, "identity": "person"}).get_json()
    unknown = client.post("/sms/send", data={"purpose": "login", "identifier": "nobody99", "identity": "person"}).get_json()
    assert known["message"] == unknown["message"] and known["ok"] and unknown["ok"]


def test_accounts_without_a_phone_are_slowed_per_address_only(app):
    staff = factories.make_user("center", phone=None)
    attacker = app.test_client()
    for _ in range(login_policy.ACCOUNT.count + login_policy.PAIR.count + 3):
        login_as(attacker, staff, "Wrong2026x")
    refused = attacker.post("/login", data={"identity": "person", "identifier": staff.username, "password": factories.PASSWORD})
    assert refused.status_code == 200
    owner = app.test_client()
    opened = owner.post("/login", data={"identity": "person", "identifier": staff.username, "password": factories.PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert opened.status_code == 302


# --- item 9: passwords ---------------------------------------------------------------------


def test_common_passwords_are_refused_and_long_ones_accepted(client_as):
    client = client_as("learner")
    for weak in ("password1", "aaaaaaa1"):
        page = client.post("/password?normal=1", data={"old_password": factories.PASSWORD, "new_password": weak, "confirm": weak})
        assert page.status_code == 200 and "太常见" in page.get_data(as_text=True)
    long = "Long" + "passphrase7" * 5  # 59 characters
    assert client.post("/password?normal=1", data={
        "old_password": factories.PASSWORD, "new_password": long, "confirm": long}).status_code == 302
    assert accounts.verify_password(User.get_by_id(client.user.id), long)


# --- item 10 (logins): failed logins are audited ------------------------------------------


def test_failed_logins_are_audited(app):
    learner = factories.make_learner()
    client = app.test_client()
    login_as(client, learner, "Wrong2026x")
    client.post("/login", data={"identity": "person", "identifier": "ghost", "password": "Wrong2026x"})
    rows = list(AuditLog.select().where(AuditLog.action == "login_failed").order_by(AuditLog.id))
    assert [(r.object_id, r.details["identifier"]) for r in rows] == [(learner.id, learner.username), (None, "ghost")]
    assert all("Wrong2026x" not in str(r.details) for r in rows)
