"""Accounts a visitor manages alone: register, activate an imported account, reset a password."""
import datetime as dt
import re

import pytest

from models import AccountStatus, AuditLog, User, VerificationCode, now
from services import sms
from services.validators import id_check_char
from tests import factories

ID_NUMBER = "44010619900307" + "123"
ID_NUMBER += id_check_char(ID_NUMBER)  # born 1990-03-07, 17th digit 3 = male


def registration(**overrides):
    data = {
        "agree": "1",
        "username": "zhang3",
        "real_name": "张三",
        "password": "Study2024",
        "confirm": "Study2024",
        "nationality": "中国",
        "ethnicity": "汉族",
        "gender": "male",
        "id_type": "id_card",
        "id_number": ID_NUMBER,
        "birth_date": "1990-03-07",
        "email": "zhang3@example.com",
        "province": "广东省",
        "city": "广州市",
        "district": "天河区",
        "address": "天河路1号",
        "phone": "13800138000",
    }
    data.update(overrides)
    return data


@pytest.fixture
def teaching_point(app):
    return factories.make_teaching_point(name="广州教学点")


def post_register(client, teaching_point, with_code=True, **overrides):
    data = registration(teaching_point=str(teaching_point.id), **overrides)
    if with_code:
        data["sms_code"] = sms.issue_code(data["phone"], "register")
    data.update({k: v for k, v in overrides.items() if k == "sms_code"})
    return client.post("/register", data=data)


def test_register_shows_the_terms_first(client):
    body = client.get("/register").get_data(as_text=True)
    assert "服务条款" in body and 'name="username"' not in body
    assert 'name="username"' in client.get("/register?agree=1").get_data(as_text=True)


def test_a_visitor_registers_and_lands_in_the_learner_area(client, teaching_point):
    response = post_register(client, teaching_point)
    assert response.status_code == 302 and response.location.endswith("/me/")
    user = User.get(User.username == "zhang3")
    assert (user.role, user.status, user.id_number, user.teaching_point_id) == (
        "learner", AccountStatus.ACTIVE, ID_NUMBER, teaching_point.id)
    assert user.birth_date == dt.date(1990, 3, 7) and user.gender == "male"
    assert AuditLog.select().where(AuditLog.action == "register", AuditLog.user == user).exists()
    assert "张三" in client.get("/me/").get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"id_number": ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")}, "校验位错误"),
        ({"birth_date": "1990-03-08"}, "出生日期与证件号码不一致"),
        ({"gender": "female"}, "性别与证件号码不一致"),
        ({"password": "onlyletters", "confirm": "onlyletters"}, "密码必须同时包含字母和数字"),
        ({"password": "Ab1", "confirm": "Ab1"}, "密码长度须为8–64位"),
        ({"confirm": "Other2024"}, "两次输入的密码不一致"),
        ({"username": "张三abc"}, "用户名只能包含字母和数字"),
        ({"phone": "12345"}, "11位"),
        ({"city": "杭州市"}, "不是有效的选择"),  # not a city of 广东省
        ({"district": "西湖区"}, "不是有效的选择"),  # not a district of 广州市
        ({"district": ""}, "请选择区/县"),
    ],
)
def test_bad_registration_input_is_refused_with_the_input_kept(client, teaching_point, overrides, message):
    response = post_register(client, teaching_point, with_code=False, sms_code="123456", **overrides)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body, body[body.find("invalid-feedback") - 200:][:600]
    assert 'value="天河路1号"' in body and "Study2024" not in body  # input kept, passwords not
    assert User.select().count() == 0


def test_address_selects_offer_the_cities_of_the_chosen_province(client, teaching_point):
    body = post_register(client, teaching_point, with_code=False, sms_code="1", district="").get_data(as_text=True)
    assert '<option selected value="广东省">' in body and '<option selected value="广州市">' in body
    assert '<option value="深圳市">' in body and '<option value="杭州市">' not in body
    assert '<option value="天河区">' in body and 'data-region-url="/static/vendor/china-division/regions.json"' in body


def test_hong_kong_addresses_are_offered(client, teaching_point):
    assert post_register(client, teaching_point, province="香港特别行政区", city="九龙", district="观塘区").status_code == 302
    assert User.get(User.username == "zhang3").city == "九龙"


def test_duplicate_username_phone_and_id_are_refused(client, teaching_point):
    """A taken username, phone or ID number is said only once the SMS code proved the
    phone: the form must not tell strangers which are registered."""
    factories.make_learner(username="zhang3", phone="13800138000", id_number=ID_NUMBER)
    body = post_register(client, teaching_point, with_code=False, sms_code="123456").get_data(as_text=True)
    assert "该用户名已被使用" not in body and "该手机号码已绑定其他账号" not in body and "该证件号码已注册" not in body
    assert "验证码错误或已失效" in body
    body = post_register(client, teaching_point).get_data(as_text=True)
    assert "该用户名已被使用" in body and "该手机号码已绑定其他账号" in body and "该证件号码已注册" in body
    assert User.select().count() == 1


def test_wrong_sms_code_is_refused(client, teaching_point):
    sms.issue_code("13800138000", "register")
    response = client.post("/register", data=registration(teaching_point=teaching_point.id, sms_code="000000x"))
    assert "验证码错误" in response.get_data(as_text=True)
    assert not User.select().where(User.username == "zhang3").exists()


def test_expired_sms_code_is_refused(client, teaching_point):
    code = sms.issue_code("13800138000", "register")
    VerificationCode.update(expires_at=now() - dt.timedelta(seconds=1)).execute()
    response = client.post("/register", data=registration(teaching_point=teaching_point.id, sms_code=code))
    assert "验证码错误或已失效" in response.get_data(as_text=True)
    assert not User.select().where(User.username == "zhang3").exists()


# --- activation -----------------------------------------------------------------------


@pytest.fixture
def imported(app):
    return factories.make_learner(password=None, status=AccountStatus.INACTIVE, username=None, phone="13700001111")


def test_an_imported_learner_activates_and_logs_in_with_the_id_number(client, imported):
    response = client.post("/activate", data={"id_number": imported.id_number.lower()})
    assert response.status_code == 302
    page = client.get("/activate").get_data(as_text=True)
    assert "1111" not in page and imported.real_name not in page  # nothing tells the account exists
    page = client.post("/activate", data={"send_code": "1"}).get_data(as_text=True)
    latest = VerificationCode.select().where(VerificationCode.phone == "13700001111").get()
    assert latest.purpose == "activate"
    dev_code = page.split('js-dev-code" role="status">')[1][:6]
    response = client.post("/activate", data={"sms_code": dev_code, "password": "Study2024", "confirm": "Study2024"})
    assert "激活成功" in response.get_data(as_text=True)
    assert User.get_by_id(imported.id).status == AccountStatus.ACTIVE
    login = client.post("/login", data={"identity": "person", "identifier": imported.id_number, "password": "Study2024"})
    assert login.status_code == 302 and login.location.endswith("/me/")


def test_activation_with_a_wrong_code_changes_nothing(client, imported):
    client.post("/activate", data={"id_number": imported.id_number})
    sms.issue_code(imported.phone, "activate")
    body = client.post("/activate", data={"sms_code": "999999x", "password": "Study2024", "confirm": "Study2024"})
    assert "验证码错误" in body.get_data(as_text=True)
    user = User.get_by_id(imported.id)
    assert user.status == AccountStatus.INACTIVE and user.password_hash is None


@pytest.mark.parametrize("case", ["unknown", "active", "no_phone"])
def test_activation_reads_the_same_for_every_id_number(client, app, imported, case):
    """Unknown, already active, without a phone, or waiting with a phone: the same pages,
    and a code goes out only to the last."""
    learner = factories.make_learner()
    if case == "no_phone":
        learner = factories.make_learner(password=None, status=AccountStatus.INACTIVE, phone=None)
    id_number = factories.valid_id_number(999) if case == "unknown" else learner.id_number

    def walk(number):
        client.get("/activate?restart=1")
        lookup = client.post("/activate", data={"id_number": number})
        sent = client.post("/activate", data={"send_code": "1"}).get_data(as_text=True)
        sent = re.sub(r'<div class="[^"]*js-dev-code[^>]*>\d+</div>', "", sent)  # development shows the code
        return lookup.status_code, lookup.location, sent

    assert walk(id_number) == walk(imported.id_number)
    assert VerificationCode.select().where(VerificationCode.purpose == "activate").count() == 1


# --- forgotten password ---------------------------------------------------------------


def test_forgotten_password_is_reset_with_an_sms_code(client):
    learner = factories.make_learner(phone="13600002222")
    code = sms.issue_code(learner.phone, "reset_password")
    response = client.post(
        "/forgot-password",
        data={"phone": learner.phone, "sms_code": code, "password": "NewPass99", "confirm": "NewPass99"},
    )
    assert response.status_code == 302 and response.location.endswith("/login")
    assert client.post(
        "/login", data={"identity": "person", "identifier": learner.username, "password": "NewPass99"}
    ).status_code == 302


def test_forgotten_password_with_a_wrong_code_keeps_the_old_password(client):
    learner = factories.make_learner(phone="13600002222")
    sms.issue_code(learner.phone, "reset_password")
    body = client.post(
        "/forgot-password",
        data={"phone": learner.phone, "sms_code": "111111x", "password": "NewPass99", "confirm": "NewPass99"},
    ).get_data(as_text=True)
    assert "验证码错误" in body and 'value="13600002222"' in body
    factories.login(client, learner)  # the old password still works
