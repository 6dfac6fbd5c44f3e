"""SMS flooding, phone/username/e-mail enumeration and the failed-login policy, replayed
from outside: each attack of the audit, and what it gets now."""
import datetime as dt
import re
import statistics
import time

from models import EmailOutbox, SmsOutbox, SmsStatus, ThrottleHit
from services import login_policy, mail, sms
from tests import factories


def age(model, seconds):
    """Move the clock of counted attempts (or messages) back instead of sleeping."""
    for row in model.select(model.id, model.created_at):
        model.update(created_at=row.created_at - dt.timedelta(seconds=seconds)).where(model.id == row.id).execute()


def send(client, purpose, phone, address):
    return client.post("/sms/send", data={"purpose": purpose, "phone": phone}, environ_base={"REMOTE_ADDR": address})


# --- SMS flooding -------------------------------------------------------------------------


def test_register_requests_for_a_registered_phone_send_one_notice_a_day(app, sms_delivered):
    """25 requests from 25 addresses: one "already registered" notice, every answer neutral."""
    learner = factories.make_learner(phone="13600005555")
    client = app.test_client()
    answers = {send(client, "register", learner.phone, f"198.51.100.{n}").get_json()["message"] for n in range(25)}
    assert len(answers) == 1
    assert SmsOutbox.select().where(SmsOutbox.phone == learner.phone).count() == 1
    age(ThrottleHit, 3600)  # an hour later: still within the day
    send(client, "register", learner.phone, "198.51.100.99")
    assert SmsOutbox.select().where(SmsOutbox.phone == learner.phone).count() == 1


def test_every_purpose_shares_the_phones_cool_down_and_daily_cap(app):
    learner = factories.make_learner(phone="13600006666")
    client = app.test_client()
    for n, purpose in enumerate(("reset_password", "register", "reset_password", "activate")):
        send(client, purpose, learner.phone, f"203.0.113.{n}")
    assert SmsOutbox.select().where(SmsOutbox.phone == learner.phone).count() == 1  # one a minute
    for n in range(30):
        age(ThrottleHit, 61)
        send(client, ("reset_password", "register")[n % 2], learner.phone, f"192.0.2.{n}")
    assert SmsOutbox.select().where(SmsOutbox.phone == learner.phone).count() == sms.PHONE_DAILY.count


def test_no_phone_gets_more_than_the_daily_budget_of_messages(app):
    for n in range(sms.DAILY_BUDGET - 2):
        sms.send("13600007777", f"通知{n}")
    for n in range(4):  # set-based decisions too
        sms.send_many([("13600007777", f"批量通知{n}"), ("13600008888", f"批量通知{n}")])
    assert SmsOutbox.select().where(SmsOutbox.phone == "13600007777").count() == sms.DAILY_BUDGET
    assert SmsOutbox.select().where(SmsOutbox.phone == "13600008888").count() == 4


# --- enumeration --------------------------------------------------------------------------


def feedback(page):
    return [line.strip() for line in page.splitlines() if "invalid-feedback" in line]


def test_forgot_password_answers_alike_after_a_neutral_code_request(app):
    learner = factories.make_learner(phone="13600002222")
    client = app.test_client()
    pages = []
    for n, phone in enumerate((learner.phone, "13600009999")):
        assert send(client, "reset_password", phone, f"10.7.0.{n}").get_json()["ok"]
        page = client.post("/forgot-password", data={"phone": phone, "sms_code": "000000", "password": "Fresh2026x",
                                                       "confirm": "Fresh2026x"})
        pages.append((page.status_code, feedback(page.get_data(as_text=True))))
    assert pages[0] == pages[1] and pages[0][1]


def registration(teaching_point, **changes):
    data = {"agree": "1", "username": "zhang3", "real_name": "张三", "password": "Study2024", "confirm": "Study2024",
            "nationality": "中国", "ethnicity": "汉族", "gender": "male", "id_type": "mainland_id",
            "id_number": factories.valid_id_number(4321), "birth_date": "", "email": "zhang3@example.cn",
            "province": "广东省", "city": "广州市", "district": "天河区", "address": "天河路1号",
            "teaching_point": teaching_point.id, "phone": "13800138000", "sms_code": "000000"}
    data.update(changes)
    return data


def test_register_answers_alike_for_taken_and_free_usernames_and_emails(app):
    from models import InstitutionKind

    point = factories.make_institution(InstitutionKind.TEACHING_POINT)
    factories.make_learner(username="taken1", email="taken@example.cn")
    client = app.test_client()
    taken = client.post("/register", data=registration(point, username="taken1", email="taken@example.cn"))
    free = client.post("/register", data=registration(point, username="free1", email="free@example.cn"))
    assert (taken.status_code, feedback(taken.get_data(as_text=True))) == \
        (free.status_code, feedback(free.get_data(as_text=True)))


def timed_medians(request_a, request_b, rounds=15):
    """Median seconds of two requests, interleaved so a busy machine slows both alike."""
    a, b = [], []
    for n in range(rounds):
        for request, samples in ((request_a, a), (request_b, b)):
            started = time.perf_counter()
            request(n)
            samples.append(time.perf_counter() - started)
    return statistics.median(a), statistics.median(b)


def test_code_requests_and_resets_take_as_long_for_registered_and_unknown_phones(app):
    learner = factories.make_learner(phone="13600003333")
    client = app.test_client()

    def requester(phone):
        def request(n):
            send(client, "reset_password", phone, f"10.8.{n}.{len(phone)}")
            client.post("/forgot-password", data={"phone": phone, "sms_code": "000000", "password": "Fresh2026x",
                                                  "confirm": "Fresh2026x"}, environ_base={"REMOTE_ADDR": f"10.9.{n}.1"})
        return request

    known, unknown = timed_medians(requester(learner.phone), requester("13600004444"))
    # The same work either way; 3 ms of slack for a shared machine's noise.
    assert abs(known - unknown) <= 0.35 * max(known, unknown) + 0.003, (known, unknown)


# --- failed logins ------------------------------------------------------------------------


def login(client, identifier, password, address, **extra):
    return client.post("/login", data={"identity": "person", "identifier": identifier, "password": password, **extra},
                       environ_base={"REMOTE_ADDR": address})


SCHOOL = "198.18.0.1"  # one address for a whole school behind NAT


def test_failures_on_many_accounts_slow_the_address_and_demand_no_codes(app, sms_delivered):
    """50 failed logins with any names from one address: the address waits (429 with
    Retry-After); nobody behind it is asked for a code, and no code can be sent to them."""
    teacher = factories.make_learner()
    client = app.test_client()
    for n in range(50):
        login(client, f"guess{n}", "Wrong2026x", SCHOOL)
    answer = login(client, teacher.username, factories.PASSWORD, SCHOOL)
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
    assert 'name="sms_code"' not in answer.get_data(as_text=True)
    client.post("/sms/send", data={"purpose": "login", "identifier": teacher.username, "identity": "person"},
                environ_base={"REMOTE_ADDR": SCHOOL})
    assert SmsOutbox.select().where(SmsOutbox.phone == teacher.phone).count() == 0
    age(ThrottleHit, login_policy.SPREAD.window.total_seconds() + 1)
    assert login(client, teacher.username, factories.PASSWORD, SCHOOL).status_code == 302


def test_nobody_can_have_login_codes_sent_to_an_account_that_needs_none(app):
    learner = factories.make_learner()
    client = app.test_client()
    for n in range(5):
        client.post("/sms/send", data={"purpose": "login", "identifier": learner.username, "identity": "person"},
                    environ_base={"REMOTE_ADDR": f"10.4.0.{n}"})
    assert SmsOutbox.select().count() == 0


def test_an_account_without_a_phone_gets_an_email_code_instead_of_a_lock(app):
    staff = factories.make_user("center", phone=None, email="staff@example.cn")
    attacker = app.test_client()
    for n in range(login_policy.ACCOUNT.count + 5):
        login(attacker, staff.username, "Wrong2026x", f"10.5.{n}.1")
    owner = app.test_client()
    asked = login(owner, staff.username, factories.PASSWORD, SCHOOL)
    assert asked.status_code == 200 and 'name="sms_code"' in asked.get_data(as_text=True)
    sent = owner.post("/sms/send", data={"purpose": "login", "identifier": staff.username, "identity": "person"},
                      environ_base={"REMOTE_ADDR": SCHOOL}).get_json()
    code = sent["dev_code"]  # development shows it; the e-mail carries it
    row = EmailOutbox.get(EmailOutbox.email == "staff@example.cn")
    assert code not in row.body and sms.MASK in row.body  # masked in the outbox, as SMS codes are
    assert login(owner, staff.username, factories.PASSWORD, SCHOOL, sms_code=code).status_code == 302


def test_an_email_code_travels_sealed_and_leaves_in_clear(app, monkeypatch):
    """The body staff read is masked; the sealed text waits in the row (so the sweeper, not
    only the request's own task, can deliver it) and is erased once the row is sent."""
    sent = []
    monkeypatch.setattr(mail.ConsoleBackend, "send", lambda self, row, body=None: sent.append(body or row.body))
    monkeypatch.setattr(mail, "later", lambda *row_ids: None)  # the sweeper, not the request, delivers it
    with app.test_request_context():
        row = mail.send("staff@example.cn", "登录验证码", "您的验证码为 123456。", secrets=("123456",))
    waiting = EmailOutbox.get_by_id(row.id)
    assert "123456" not in waiting.body and "123456" not in (waiting.payload or "") and waiting.payload
    mail.deliver([row.id])
    delivered = EmailOutbox.get_by_id(row.id)
    assert sent == ["您的验证码为 123456。"] and delivered.status == SmsStatus.SENT and delivered.payload is None


def test_the_owner_behind_the_attackers_address_gets_in_with_a_code(app, sms_delivered):
    learner = factories.make_learner()
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(login_policy.PAIR.count + 3):
        login(attacker, learner.username, "Wrong2026x", SCHOOL)
    owner.post("/sms/send", data={"purpose": "login", "identifier": learner.username, "identity": "person"},
               environ_base={"REMOTE_ADDR": SCHOOL})
    code = re.search(r"\d{6}", sms_delivered[-1][1]).group()
    assert login(owner, learner.username, factories.PASSWORD, SCHOOL, sms_code=code).status_code == 302
    # Elsewhere the password alone still opens it: the guessing stayed at its address.
    assert login(app.test_client(), learner.username, factories.PASSWORD, "10.6.0.1").status_code == 302
