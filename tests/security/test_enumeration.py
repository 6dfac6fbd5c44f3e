"""Which accounts exist must not be told by timing or by messages."""
import hashlib

import werkzeug.security

from models import AccountStatus, LearnerAchievement, ThrottleHit, VerificationCode
from services.accounts import throttle
from tests import factories


def test_login_does_the_same_hash_work_for_unknown_accounts(app, monkeypatch):
    """A real hash method (not the tests' fast one): an unknown account is checked against a
    dummy hash of the same method, so a wrong password costs the same key derivations whether
    the account exists or not. Counted, not timed: a shared CI machine makes timings noisy."""
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:150000"
    learner = factories.make_learner()
    client = app.test_client()
    derivations: list[tuple[str, int]] = []
    derive = hashlib.pbkdf2_hmac

    def counted(name, password, salt, iterations, *args, **kwargs):
        derivations.append((name, iterations))
        return derive(name, password, salt, iterations, *args, **kwargs)

    monkeypatch.setattr(werkzeug.security.hashlib, "pbkdf2_hmac", counted)

    def work(identifier, n):
        derivations.clear()
        page = client.post("/login", data={"identity": "person", "identifier": identifier, "password": "Wrong2026x"},
                           environ_base={"REMOTE_ADDR": f"10.1.{n}.1"}).get_data(as_text=True)
        assert "账号或密码错误" in page
        return list(derivations)

    work("nobody", 0)  # the dummy hash itself is made once per process
    known, unknown = work(learner.username, 1), work("nobody", 2)
    assert known == unknown
    assert ("sha256", 150000) in known


def error_text(page):
    return [line for line in page.splitlines() if "invalid-feedback" in line]


def test_forgot_password_answers_alike_for_known_and_unknown_numbers(app):
    learner = factories.make_learner(phone="13600002222")
    client = app.test_client()
    pages = []
    for phone in (learner.phone, "13600009999"):
        sent = client.post("/sms/send", data={"purpose": "reset_password", "phone": phone}).get_json()
        assert sent["ok"]
        page = client.post("/forgot-password", data={
            "phone": phone, "sms_code": "000000", "password": "Fresh2026x", "confirm": "Fresh2026x"}).get_data(as_text=True)
        pages.append(error_text(page))
    # The known number got a code (so its error is "wrong code"); the unknown one "request a code first":
    # both are what any wrong code gets, and neither names the account.
    assert all("未绑定" not in "".join(p) and "没有" not in "".join(p) for p in pages)
    assert VerificationCode.select().count() == 1


def test_activate_answers_alike_and_is_limited_per_address(app):
    active = factories.make_learner()
    client = app.test_client()
    answers = set()
    for id_number in (active.id_number, factories.valid_id_number(998)):
        client.get("/activate?restart=1")
        lookup = client.post("/activate", data={"id_number": id_number})
        answers.add((lookup.status_code, lookup.location, client.get("/activate").get_data(as_text=True)))
    assert len(answers) == 1
    client.get("/activate?restart=1")
    for n in range(throttle.PUBLIC_FORM_PER_ADDRESS.count - 2):
        client.post("/activate?restart=1", data={"id_number": factories.valid_id_number(n)})
    refused = client.post("/activate?restart=1", data={"id_number": active.id_number}).get_data(as_text=True)
    assert "尝试次数过多" in refused
    other = client.post("/activate", data={"id_number": active.id_number}, environ_base={"REMOTE_ADDR": "10.2.2.2"})
    assert "尝试次数过多" not in other.get_data(as_text=True)


def test_register_and_forgot_password_are_limited_per_address(app):
    client = app.test_client()
    for n in range(throttle.PUBLIC_FORM_PER_ADDRESS.count + 1):
        page = client.post("/forgot-password", data={
            "phone": f"1360000{n:04d}", "sms_code": "000000", "password": "Fresh2026x", "confirm": "Fresh2026x"})
    assert "尝试次数过多" in page.get_data(as_text=True)
    assert ThrottleHit.select().where(ThrottleHit.scope == "form_addr").count() == throttle.PUBLIC_FORM_PER_ADDRESS.count


def test_activation_code_counts_against_the_sms_address_limit(app):
    imported = factories.make_learner(password=None, status=AccountStatus.INACTIVE, username=None, phone="13700001111")
    client = app.test_client()
    for n in range(throttle.SMS_PER_ADDRESS.count):
        client.post("/sms/send", data={"purpose": "reset_password", "phone": f"1390000{n:04d}"})
    client.post("/activate", data={"id_number": imported.id_number})
    page = client.post("/activate", data={"send_code": "1"}).get_data(as_text=True)
    assert "尝试次数过多" in page
    assert not VerificationCode.select().where(VerificationCode.phone == imported.phone).exists()


def test_storing_a_learner_achievement_does_not_reveal_registered_names(spaces, client_as):
    from tests.institution.test_learners import store

    a = spaces.a
    client = client_as(a.admin)
    staff = factories.make_user("reviewer", id_number=factories.valid_id_number())
    before = LearnerAchievement.select().count()
    answers = set()
    for name, id_number in (("别人", a.learner.id_number), (staff.real_name, staff.id_number)):
        response, _ = store(client, a.catalogue_achievement, real_name=name, id_number=id_number)
        page = response.get_data(as_text=True)
        assert a.learner.real_name not in page.split("<form")[-1]
        answers.add(tuple(error_text(page)))
    assert len(answers) == 1
    for n in range(20):
        store(client, a.catalogue_achievement, real_name=f"猜{n}", id_number=a.learner.id_number)
    response, _ = store(client, a.catalogue_achievement, real_name="猜最后", id_number=a.learner.id_number)
    assert "尝试次数过多" in response.get_data(as_text=True)
    assert LearnerAchievement.select().count() == before
