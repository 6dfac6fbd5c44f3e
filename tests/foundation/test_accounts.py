"""Password policy, identifiers' validators, password change and forced first change."""
import pytest

from models import User
from services.accounts import users
from services.records import validators
from tests import factories


@pytest.mark.parametrize(
    "password,ok",
    [
        ("Study2024", True),
        ("Demo@2026", True),
        ("a1b2c3d4e5f6g7h8", True),
        ("a1b2c3d4e5f6g7h8i", True),  # 17 characters: up to 64 now (ASVS V2.1.2)
        ("Kx7" + "q" * 61, True),  # 64 characters
        ("Kx7" + "q" * 62, False),  # 65 characters
        ("abc1234", False),  # 7 characters
        ("password1", False),  # common passwords are refused
        ("aaaaaaa1", False),
        ("abc12345", False),
        ("qwerty123", False),
        ("abcdefgh", False),  # no digit
        ("12345678", False),  # no letter
    ],
)
def test_password_policy(app, password, ok):
    assert (validators.check_password(password) is None) is ok


@pytest.mark.parametrize(
    "id_number,ok",
    [
        ("11010519491231002X", True),
        ("440106199001011234", False),
        ("11010519491231002x", False),  # callers upper-case first
        ("1101051949123100", False),
        ("110105194913310021", False),  # month 13
    ],
)
def test_id_number_check_digit(id_number, ok):
    assert (validators.check_id_number(id_number) is None) is ok


def test_generated_ids_agree_with_birth_and_gender():
    number = factories.valid_id_number(7, birth="19851203")
    assert validators.check_id_number(number) is None
    assert str(validators.id_birth_date(number)) == "1985-12-03"
    assert validators.id_gender(number) == "male"  # 17th digit 7 is odd


@pytest.mark.parametrize(
    "check,value,ok",
    [
        (validators.check_mobile, "13800138000", True),
        (validators.check_mobile, "12800138000", False),  # no such prefix
        (validators.check_mobile, "1380013800", False),
        (validators.check_mobile, "13800138000\n", False),
        (validators.check_mobile, "138００138000", False),  # full-width digits are normalised before, not here
        (validators.check_mobile, "138\u0660\u0661138000", False),  # Arabic-Indic digits
        (validators.check_postal_code, "100871", True),
        (validators.check_postal_code, "１００８７１", False),
        (validators.check_email, "chen@example.cn", True),
        (validators.check_email, "chen@example.cn\n", False),
        (validators.check_username, "chen2026", True),
        (validators.check_username, "chen2026\n", False),
    ],
)
def test_identifiers_take_ascii_only_and_nothing_after(app, check, value, ok):
    assert (check(value) is None) is ok


@pytest.mark.parametrize(
    "code,ok", [("91350100M000100Y43", True), ("91350100M000100Y44", False), ("9135010", False)]
)
def test_unified_social_credit_code(code, ok):
    assert (validators.check_credit_code(code) is None) is ok


def test_masks():
    assert validators.mask_id("632323199001010922") == "632323*****0922"
    assert validators.mask_phone("17012349087") == "170****9087"


def test_passwords_are_hashed(app):
    user = factories.make_learner()
    stored = User.get_by_id(user.id).password_hash
    assert factories.PASSWORD not in stored
    assert users.verify_password(user, factories.PASSWORD)


def test_change_password_needs_the_old_one_and_the_policy(client_as):
    client = client_as("learner")
    response = client.post(
        "/password?normal=1", data={"old_password": "wrong123", "new_password": "newpass123", "confirm": "newpass123"}
    )
    assert response.status_code == 200
    weak = client.post(
        "/password?normal=1",
        data={"old_password": factories.PASSWORD, "new_password": "short", "confirm": "short"},
    )
    assert weak.status_code == 200
    assert users.verify_password(User.get_by_id(client.user.id), factories.PASSWORD)
    good = client.post(
        "/password?normal=1",
        data={"old_password": factories.PASSWORD, "new_password": "newpass123", "confirm": "newpass123"},
    )
    assert good.status_code == 302
    assert users.verify_password(User.get_by_id(client.user.id), "newpass123")


def test_forced_change_at_first_login(client):
    """A staff account created with a one-time code must choose a password first."""
    user = factories.make_user("reviewer", must_change_password=True)
    factories.login(client, user)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/password" in response.headers["Location"]
    client.post("/password", data={"new_password": "chosen123", "confirm": "chosen123"})
    assert client.get("/admin/").status_code == 200
    assert User.get_by_id(user.id).must_change_password is False


def test_institution_password_change_needs_sms_code(client_as):
    client = client_as("institution")
    data = {"old_password": factories.PASSWORD, "new_password": "newpass123", "confirm": "newpass123", "sms_code": "000000"}
    assert client.post("/password?normal=1", data=data).status_code == 200
    assert users.verify_password(User.get_by_id(client.user.id), factories.PASSWORD)
    answer = client.post("/sms/send", data={"purpose": "change_password"}).get_json()
    data["sms_code"] = answer["dev_code"]
    assert client.post("/password?normal=1", data=data).status_code == 302
    assert users.verify_password(User.get_by_id(client.user.id), "newpass123")


def test_create_user_cli_any_role(app):
    runner = app.test_cli_runner()
    institution = factories.make_teaching_point(name="广州教学点")
    result = runner.invoke(
        args=["create-user", "--role", "reviewer", "--username", "tpadmin", "--name", "李老师",
              "--password", "Tp2026xyz", "--institution", "广州教学点"]
    )
    assert result.exit_code == 0, result.output
    user = User.get(User.username == "tpadmin")
    assert (user.role, user.institution_id) == ("reviewer", institution.id)
    weak = runner.invoke(args=["create-user", "--role", "center", "--username", "x1", "--name", "x", "--password", "weak"])
    assert weak.exit_code != 0
    assert not User.select().where(User.username == "x1").exists()
