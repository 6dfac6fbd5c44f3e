"""Login by each identifier, role homes, and who may open /admin/ and /me/."""
import datetime as dt

import pytest

from models import AccountStatus, ThrottleHit, User
from services import login_policy, throttle
from tests import factories


@pytest.mark.parametrize("identifier_field", ["username", "phone", "email", "id_number"])
def test_learner_logs_in_with_each_identifier(client, identifier_field):
    """Can a learner log in with 用户名, 手机号, 邮箱 or 证件号码 in the one box?"""
    learner = factories.make_learner(email="chen@example.cn")
    response = client.post(
        "/login",
        data={"identity": "person", "identifier": getattr(learner, identifier_field), "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/"


def test_wrong_password_is_refused_and_keeps_identifier(client):
    learner = factories.make_learner()
    response = client.post("/login", data={"identity": "person", "identifier": learner.username, "password": "nope1234"})
    assert response.status_code == 200
    assert learner.username.encode() in response.data
    assert client.get("/me/").status_code == 302  # still anonymous


def login_attempt(client, identifier, password, address="127.0.0.1"):
    return client.post("/login", data={"identity": "person", "identifier": identifier, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_failed_logins_ask_for_a_code_per_account(client):
    """Guessing spread over many addresses: after 20 wrong passwords in an hour the right
    one alone is not enough from any address, whichever of the account's identifiers
    (用户名, 手机号, 邮箱, 证件号码) is typed: a code to the bound phone is asked too (never a
    lock-out)."""
    learner = factories.make_learner(email="limit@example.cn")
    other = factories.make_learner()
    identifiers = [learner.username, learner.phone, learner.email.upper(), learner.id_number.lower()]
    for n in range(login_policy.ACCOUNT.count):
        assert login_attempt(client, identifiers[n % 4], "wrong1234", address=f"10.3.{n}.1").status_code == 200
    asked = login_attempt(client, learner.phone, factories.PASSWORD, address="10.0.0.7")
    assert asked.status_code == 200 and "验证码错误或已失效" in asked.get_data(as_text=True)
    assert 'name="sms_code"' in asked.get_data(as_text=True)
    assert login_attempt(client, other.username, factories.PASSWORD).status_code == 302  # others are not affected
    client.post("/logout")
    for hit in ThrottleHit.select():  # move the clock instead of sleeping
        ThrottleHit.update(created_at=hit.created_at - dt.timedelta(minutes=61)).where(ThrottleHit.id == hit.id).execute()
    assert login_attempt(client, learner.username, factories.PASSWORD).status_code == 302
    assert ThrottleHit.select().where(ThrottleHit.key == f"user:{learner.id}").count() == 0


def test_the_limit_holds_when_attempts_race(app):
    """Each attempt is written before the count is read: of attempts arriving together at
    the limit none gets one more try in."""
    limit = login_policy.PAIR
    hits = [throttle.attempt(limit, "user:race") for _ in range(limit.count)]
    with pytest.raises(throttle.Throttled):
        throttle.attempt(limit, "user:race")
    throttle.forget(hits[0])
    throttle.attempt(limit, "user:race")  # one freed, one more allowed
    assert ThrottleHit.select().where(ThrottleHit.key == "user:race").count() == limit.count


def test_an_address_failing_across_accounts_is_slowed_not_its_users(client):
    """Failures on 20 different accounts from one address: its next logins get 429 with
    Retry-After (no password checked, no code demanded from anybody); successful logins
    from a shared school address do not count, and other addresses are not affected."""
    learner = factories.make_learner()
    for _ in range(login_policy.SPREAD.count + 5):
        assert login_attempt(client, learner.username, factories.PASSWORD).status_code == 302
        client.post("/logout")
    for n in range(login_policy.SPREAD.count):
        assert login_attempt(client, f"nobody{n}", "wrong1234").status_code == 200
    refused = login_attempt(client, learner.username, factories.PASSWORD)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert 'name="sms_code"' not in refused.get_data(as_text=True)
    assert login_attempt(client, learner.username, factories.PASSWORD, address="10.0.0.8").status_code == 302


def test_institution_user_must_choose_institution_identity(client):
    """An institution account does not log in as 个人用户, and a learner not as 机构用户."""
    inst = factories.make_user("institution")
    learner = factories.make_learner()
    for user, identity in ((inst, "person"), (learner, "institution")):
        response = client.post(
            "/login", data={"identity": identity, "identifier": user.username, "password": factories.PASSWORD}
        )
        assert response.status_code == 200


def test_disabled_and_inactive_accounts_cannot_log_in(client):
    disabled = factories.make_learner(status=AccountStatus.DISABLED)
    inactive = factories.make_learner(status=AccountStatus.INACTIVE)
    for user in (disabled, inactive):
        response = client.post(
            "/login", data={"identity": "person", "identifier": user.username, "password": factories.PASSWORD}
        )
        assert response.status_code == 200
        assert client.get("/me/").status_code == 302


@pytest.mark.parametrize(
    "role,home", [("center", "/admin/"), ("reviewer", "/admin/"), ("committee", "/admin/"), ("institution", "/admin/"), ("learner", "/me/")]
)
def test_each_role_lands_on_its_home(client, role, home):
    user = factories.make_user(role)
    response = factories.login(client, user)
    assert response.headers["Location"] == home
    page = client.get(home)
    assert page.status_code == 200


def test_learner_never_reaches_admin(client_as):
    client = client_as("learner")
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
    assert "/admin" not in response.headers.get("Location", "")
    assert client.get("/admin/users/").status_code == 403


@pytest.mark.parametrize("role", ["center", "reviewer", "committee", "institution"])
def test_staff_do_not_get_the_learner_area(client_as, role):
    assert client_as(role).get("/me/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    for url in ("/me/", "/admin/", "/admin/users/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "role,visible,hidden",
    [
        ("center", ["/admin/users/", "/admin/catalogue/", "/admin/audit_log/"], ["/admin/inst_achievements/"]),
        ("reviewer", ["/admin/recognition_review/"], ["/admin/users/", "/admin/final_review/", "/admin/inst_achievements/"]),
        ("committee", ["/admin/final_review/"], ["/admin/users/", "/admin/recognition_review/"]),
        ("institution", ["/admin/inst_achievements/", "/admin/inst_conv_review/", "/admin/inst_records/"],
         ["/admin/users/", "/admin/recognition_review/", "/admin/final_review/"]),
    ],
)
def test_each_staff_role_sees_only_its_menu(client_as, role, visible, hidden):
    """Does /admin/ show each role only its own menu entries, and refuse the others?"""
    client = client_as(role)
    home = client.get("/admin/").get_data(as_text=True)
    for url in visible:
        assert url in home
        assert client.get(url).status_code == 200
    for url in hidden:
        assert url not in home
        assert client.get(url).status_code == 403


def test_disabled_user_is_logged_out_at_next_request(client_as):
    client = client_as("institution")
    assert client.get("/admin/").status_code == 200
    User.update(status=AccountStatus.DISABLED).where(User.id == client.user.id).execute()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_safe_next_ignores_other_sites(client):
    learner = factories.make_learner()
    response = client.post(
        "/login?next=//evil.example/x",
        data={"identity": "person", "identifier": learner.username, "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/me/"


@pytest.fixture
def proxied_app(database_url, tmp_path):
    from tests.conftest import _app_for_test

    yield from _app_for_test(database_url, tmp_path, TRUSTED_PROXIES="10.0.0.0/8")


def test_behind_a_proxy_limits_count_the_forwarded_address(proxied_app):
    """Behind a trusted proxy the limits count the address it forwards, not its own; the
    forwarded host is never trusted (links keep PUBLIC_URL's)."""
    client = proxied_app.test_client()
    learner = factories.make_learner()
    proxy = {"REMOTE_ADDR": "10.1.1.1"}
    for n in range(login_policy.SPREAD.count):
        client.post("/login", data={"identity": "person", "identifier": f"nobody{n}", "password": "wrong1234"},
                    headers={"X-Forwarded-For": "203.0.113.5"}, environ_base=proxy)
    assert ThrottleHit.select().where(ThrottleHit.key == "203.0.113.5").count() == login_policy.SPREAD.count
    other = client.post("/login", data={"identity": "person", "identifier": learner.username,
                                        "password": factories.PASSWORD},
                        headers={"X-Forwarded-For": "203.0.113.6", "X-Forwarded-Host": "evil.example"},
                        environ_base=proxy)
    assert other.status_code == 302 and other.headers["Location"] == "/me/"
