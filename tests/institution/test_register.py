"""注册院校用户: department → college → school code → phone + code → password → agree;
then 注册人信息 and 机构信息 with 保存 (draft resumed after login) and 提交."""
import pytest

from models import Institution, InstitutionKind, InstitutionStatus, Role, SmsPurpose, User
from services.messaging import sms
from services.records import institutions as registrations
from tests import factories
from tests.institution.test_account import INFO

PHONE = "13511112222"


@pytest.fixture
def colleges(app):
    department = factories.make_institution(InstitutionKind.PROVINCE_DEPT, name="广东省教育厅")
    other_department = factories.make_institution(InstitutionKind.PROVINCE_DEPT, name="湖南省教育厅")
    college = factories.make_institution(name="广州职业技术学院", department=department, school_code="G10001")
    elsewhere = factories.make_institution(name="湖南某学院", department=other_department, school_code="H20002")
    return department, college, other_department, elsewhere


def step_one(client, department, college, **overrides):
    code = sms.issue_code(overrides.get("phone", PHONE), SmsPurpose.REGISTER)
    data = {"department": department.id, "institution": college.id, "school_code": college.school_code,
            "password": "School2022", "confirm": "School2022", "phone": PHONE, "sms_code": code, "agree": "y"}
    data.update(overrides)
    return client.post("/institution/register", data=data)


def test_colleges_are_listed_per_department(colleges, client):
    department, college, _other, elsewhere = colleges
    page = client.get("/institution/register").get_data(as_text=True)
    assert f'data-department="{department.id}"' in page and college.name in page and elsewhere.name in page


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"school_code": "WRONG1"}, "学校代码与所选院校不符"),
        ({"agree": ""}, "请阅读并同意注册协议"),
        ({"password": "short1", "confirm": "short1"}, "8"),
        ({"sms_code": "000000"}, "验证码"),
    ],
)
def test_step_one_refusals_create_nothing(colleges, client, overrides, message):
    department, college, *_ = colleges
    response = step_one(client, department, college, **overrides)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert not User.select().where(User.role == Role.INSTITUTION).exists()


def test_college_of_another_department_is_refused(colleges, client):
    department, _college, _other, elsewhere = colleges
    page = step_one(client, department, elsewhere).get_data(as_text=True)
    assert "请选择所选省级教育部门下的院校" in page
    assert not User.select().where(User.role == Role.INSTITUTION).exists()


def test_full_registration_with_a_draft_resumed_after_login(colleges, client, app):
    department, college, *_ = colleges
    response = step_one(client, department, college)
    assert response.headers["Location"].endswith("/institution/register/registrant")
    account = User.get(User.role == Role.INSTITUTION)
    assert account.institution_id == college.id and account.phone == PHONE
    assert Institution.get_by_id(college.id).status == InstitutionStatus.DRAFT

    # 保存 keeps an incomplete registrant; a new login resumes the wizard.
    client.post("/institution/register/registrant", data={"action": "save", "id_type": "id_card", "name": "陈注册"})
    assert Institution.get_by_id(college.id).registration_draft["registrant"]["name"] == "陈注册"
    client.post("/logout")
    later = app.test_client()
    later.post("/login", data={"identity": "institution", "identifier": PHONE, "password": "School2022"})
    assert later.get("/admin/").headers["Location"].endswith("/institution/register/registrant")
    assert "陈注册" in later.get("/institution/register/registrant").get_data(as_text=True)

    id_number = factories.valid_id_number()
    assert later.post("/institution/register/registrant", data={
        "action": "submit", "id_type": "id_card", "name": "陈注册", "id_number": id_number,
    }).headers["Location"].endswith("/institution/register/info")
    later.post("/institution/register/info", data=dict(INFO, action="save", credit_code="bad"))
    assert Institution.get_by_id(college.id).registration_draft["info"]["credit_code"] == "BAD"
    refused = later.post("/institution/register/info", data=dict(INFO, action="submit", credit_code="bad"))
    assert refused.status_code == 200 and Institution.get_by_id(college.id).status == InstitutionStatus.DRAFT
    done = later.post("/institution/register/info", data=dict(INFO, action="submit"), follow_redirects=True)
    assert f"data-login-account>{college.school_code}<" in done.get_data(as_text=True)
    registered = Institution.get_by_id(college.id)
    assert registered.status == InstitutionStatus.PENDING and registered.credit_code == INFO["credit_code"]
    assert User.get_by_id(account.id).real_name == "陈注册"
    registrations.approve_institution(registered, factories.make_user("center"))  # the center's 审核通过
    assert later.get("/admin/").status_code == 200

    # Registered: the college leaves the list; the login as 机构用户 works with the account.
    assert college.name not in app.test_client().get("/institution/register").get_data(as_text=True)
    fresh = app.test_client()
    assert fresh.post("/login", data={"identity": "institution", "identifier": college.school_code,
                                      "password": "School2022"}).headers["Location"].endswith("/admin/")


def test_registration_steps_need_a_draft_account(colleges, client_as):
    client = client_as(factories.make_user(Role.INSTITUTION))
    assert client.get("/institution/register/registrant").status_code == 302
    assert client_as("learner").get("/institution/register/info").status_code == 403


@pytest.mark.parametrize("status", [InstitutionStatus.DRAFT, InstitutionStatus.DISABLED])
def test_space_is_closed_until_registered_and_when_disabled(spaces, few_permissions_subuser, client_as, status):
    client = client_as(spaces.a.admin)
    assert client_as(few_permissions_subuser).get("/admin/inst_messages/").status_code == 200
    Institution.update(status=status).where(Institution.id == spaces.a.institution.id).execute()
    response = client.get("/admin/inst_achievements/")
    if status == InstitutionStatus.DRAFT:  # the home resumes the registration
        assert response.headers["Location"].endswith("/admin/")
        assert client.get("/admin/").headers["Location"].endswith("/institution/register/registrant")
    else:
        assert response.status_code == 403
    assert client_as(few_permissions_subuser).get("/admin/inst_messages/").status_code == 403


def test_a_registered_college_cannot_be_registered_again(colleges, client):
    department, college, *_ = colleges
    factories.make_user(Role.INSTITUTION, institution=college)
    assert college.name not in client.get("/institution/register").get_data(as_text=True)
    page = step_one(client, department, college).get_data(as_text=True)
    assert "请选择所选省级教育部门下的院校" in page
    assert User.select().where(User.role == Role.INSTITUTION).count() == 1


def test_a_college_the_center_disabled_cannot_be_registered(colleges, client):
    """Registering must not reactivate a college that the center disabled."""
    department, college, *_ = colleges
    Institution.update(status=InstitutionStatus.DISABLED).where(Institution.id == college.id).execute()
    assert college.name not in client.get("/institution/register").get_data(as_text=True)
    step_one(client, department, college)
    assert Institution.get_by_id(college.id).status == InstitutionStatus.DISABLED
    assert not User.select().where(User.role == Role.INSTITUTION).exists()
