"""Issue 17, accounts: usernames and e-mail addresses unique whatever their case (item 4),
every registration error at once (item 6), activation with a mistyped ID (item 10)."""
import pytest
from peewee import IntegrityError

from models import AccountStatus, Role, SmsOutbox, User, VerificationCode, db
from services import accounts, excel, sms
from tests import factories
from tests.excel.conftest import workbook_bytes
from tests.learner.test_accounts import ID_NUMBER, post_register


@pytest.fixture
def teaching_point(app):
    return factories.make_teaching_point(name="广州教学点")


# --- item 4 ------------------------------------------------------------------------------


def test_the_database_refuses_a_username_or_email_differing_only_in_case(app):
    factories.make_learner(username="learner7", email="someone@example.cn")
    for fields in ({"username": "LEARNER7"}, {"username": "other7", "email": "SomeOne@Example.CN"}):
        with pytest.raises(IntegrityError), db.atomic():
            factories.make_learner(**fields)
    assert User.select().count() == 1


def test_registration_refuses_a_username_or_email_taken_in_another_case(client, teaching_point):
    factories.make_learner(username="Zhang3", email="zhang3@example.com")
    body = post_register(client, teaching_point, username="ZHANG3", email="Zhang3@Example.com").get_data(as_text=True)
    assert "该用户名已被使用" in body and "该邮箱已注册" in body
    assert User.select().count() == 1


def test_login_finds_the_account_whatever_the_case(client):
    user = factories.make_learner(username="Learner8", email="learner8@example.cn")
    for identifier in ("learner8", "LEARNER8", "Learner8@Example.CN"):
        assert accounts.find_by_identifier(identifier).id == user.id, identifier


def test_staff_creation_refuses_a_username_taken_in_another_case(client_as, reference):
    factories.make_learner(username="tpadmin1")
    center = client_as("center")
    point = factories.make_teaching_point()
    body = center.post("/admin/users/new/", data={
        "role": "reviewer", "username": "TPADMIN1", "real_name": "李老师", "phone": "13800001111",
        "institution": str(point.id), "department": ""}).get_data(as_text=True)
    assert "该用户名已被使用" in body
    assert not User.select().where(User.role == Role.REVIEWER).exists()


def test_subuser_creation_refuses_a_username_taken_in_another_case(client_as, reference):
    factories.make_learner(username="asub2")
    admin = factories.make_user(Role.INSTITUTION)
    body = client_as(admin).post("/admin/inst_users/new/", data={
        "username": "ASUB2", "real_name": "王助理", "phone": "13612345678"}).get_data(as_text=True)
    assert "该用户名已被使用" in body
    assert not User.select().where(User.role == Role.SUBUSER).exists()


def test_create_user_refuses_a_username_taken_in_another_case(app):
    factories.make_user("center", username="center9")
    with pytest.raises(accounts.AccountError, match="已被使用|already"):
        accounts.create_user(Role.CENTER, "CENTER9", "明", password="Passw0rd1")


def test_import_refuses_an_email_taken_in_another_case(client_as, tmp_path):
    factories.make_learner(email="taken@example.cn")
    center = client_as("center")
    path = tmp_path / "a.xlsx"
    number = factories.valid_id_number(321)
    path.write_bytes(workbook_bytes([["学员姓名*", "身份证号*", "手机号码", "电子邮箱"],
                                     ["甲", number, "", "TAKEN@example.CN"]]))
    batch = excel.run_import(excel.KINDS["learner_accounts"], str(path), "a.xlsx", center.user)
    assert (batch.accepted, batch.rejected) == (0, 1)
    assert not User.select().where(User.id_number == number).exists()


# --- item 6 ------------------------------------------------------------------------------


def test_registration_shows_every_error_at_once(client, teaching_point):
    factories.make_learner(username="zhang3")
    code = sms.issue_code("13800138000", "register")
    body = post_register(client, teaching_point, with_code=False, sms_code="000000", password="Ab1",
                         confirm="Ab1", birth_date="1990-03-08").get_data(as_text=True)
    for message in ("密码长度须为8–64位", "出生日期与证件号码不一致", "验证码错误"):
        assert message in body, message
    assert "该用户名已被使用" not in body  # said only to the holder of a valid code
    assert User.select().count() == 1
    # A right code with other errors is not used up: the corrected form goes through with it.
    body = post_register(client, teaching_point, with_code=False, sms_code=code, password="Ab1",
                         confirm="Ab1").get_data(as_text=True)
    assert "密码长度须为8–64位" in body and "该用户名已被使用" in body
    assert VerificationCode.get(VerificationCode.phone == "13800138000").used_at is None
    response = post_register(client, teaching_point, with_code=False, sms_code=code, username="zhang4")
    assert response.status_code == 302 and User.get(User.username == "zhang4").id_number == ID_NUMBER


# --- item 10 -----------------------------------------------------------------------------


def test_activation_with_a_mistyped_id_says_the_check_digit_is_wrong(client, app):
    learner = factories.make_learner(password=None, status=AccountStatus.INACTIVE, phone="13700001111")
    wrong = learner.id_number[:17] + ("0" if learner.id_number[17] != "0" else "1")
    body = client.post("/activate", data={"id_number": wrong}).get_data(as_text=True)
    assert "校验位错误" in body and "没有导入的账号" not in body
    assert SmsOutbox.select().count() == 0


def test_migration_5_resolves_case_clashes_and_adds_the_indexes(tmp_path):
    """Item 4's database guarantee on an existing database: clashing accounts are renamed
    (the oldest keeps its name), e-mails stored in lower case, each change audited."""
    from app import create_app
    from migrations import LATEST
    from models import MODELS, ActivationRequest, AuditLog, EmailOutbox, SchemaVersion
    from tests.conftest import TEST_CONFIG, scratch_database_url

    url = scratch_database_url(tmp_path)
    try:
        application = create_app({**TEST_CONFIG, "DATABASE_URL": url, "UPLOAD_DIR": str(tmp_path / "up")})
        with db.connection_context():
            db.create_tables([m for m in MODELS if m not in (ActivationRequest, EmailOutbox)])
            db.execute_sql('DROP INDEX "user_username_lower"')
            db.execute_sql('DROP INDEX "user_email_lower"')
            SchemaVersion.create(version=2)
            first = User.create(role="learner", username="learner", real_name="甲", email="Same@Example.cn")
            second = User.create(role="learner", username="LEARNER", real_name="乙", email="same@example.CN")
        result = application.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0 and f"schema version {LATEST}" in result.output, result.output
        with db.connection_context():
            assert (User.get_by_id(first.id).username, User.get_by_id(first.id).email) == ("learner", "same@example.cn")
            assert (User.get_by_id(second.id).username, User.get_by_id(second.id).email) == (f"LEARNER{second.id}", None)
            # (init-db also makes the first credential signing key)
            assert {a.action for a in AuditLog.select()} == {"username_case_clash", "email_case_clash",
                                                               "signing_key_created"}
            assert ActivationRequest.table_exists() and EmailOutbox.table_exists()
            with pytest.raises(IntegrityError), db.atomic():
                User.create(role="learner", username="Learner", real_name="丙")
    finally:
        if not db.is_closed():
            db.close()
