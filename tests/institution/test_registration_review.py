"""Institution registration: the draft resumes at the step reached; a
submitted registration waits for the center (待审核), whose 审核通过 / 不通过 (with reason,
SMS to the registrant) is one transition; the space opens only after 审核通过; the
agreement is a link to its text."""
import pytest

from models import AuditLog, Institution, InstitutionStatus, Message, Role, SmsOutbox, User
from services import ledger
from services.records import institutions as registrations
from tests import factories
from tests.institution import test_register
from tests.institution.test_account import INFO

colleges = test_register.colleges  # the same departments and colleges
PHONE = test_register.PHONE
PASSWORD = "School2022"


def _login(app):
    client = app.test_client()
    client.post("/login", data={"identity": "institution", "identifier": PHONE, "password": PASSWORD})
    return client


def _registrant(client):
    return client.post("/institution/register/registrant", data={
        "action": "submit", "id_type": "id_card", "name": "陈注册", "id_number": factories.valid_id_number()})


def _submitted(colleges, client):
    department, college, *_ = colleges
    test_register.step_one(client, department, college)
    _registrant(client)
    client.post("/institution/register/info", data={"action": "save", "credit_code": INFO["credit_code"]})  # 保存 first
    client.post("/institution/register/info", data=dict(INFO, action="submit"))
    return Institution.get_by_id(college.id)


def test_draft_resumes_at_the_step_reached(colleges, client, app):
    department, college, *_ = colleges
    test_register.step_one(client, department, college)
    assert _registrant(client).headers["Location"].endswith("/institution/register/info")
    client.post("/institution/register/info", data=dict(INFO, action="save", contact_name="王联系"))
    later = _login(app)
    assert later.get("/admin/").headers["Location"].endswith("/institution/register/info")
    assert "王联系" in later.get("/institution/register/info").get_data(as_text=True)


def test_submitted_registration_waits_for_the_center(colleges, client, app):
    center = factories.make_user("center")
    institution = _submitted(colleges, client)
    assert institution.status == InstitutionStatus.PENDING
    told = Message.get(Message.user == center)  # the center has something to act on
    assert told.link == f"/admin/institutions/details/?id={institution.id}"
    assert "等待学分银行管理中心审核" in client.get("/institution/register/done").get_data(as_text=True)
    # The space stays closed, and the login says why.
    assert client.get("/admin/inst_achievements/").status_code in (302, 403)
    assert client.get("/admin/final_review/").status_code in (302, 403)
    home = client.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert "等待学分银行管理中心审核" in home and "/admin/final_review/" not in home
    client.post("/logout")
    refused_login = app.test_client().post(
        "/login", data={"identity": "institution", "identifier": PHONE, "password": PASSWORD})
    assert refused_login.status_code == 200
    assert "等待学分银行管理中心审核" in refused_login.get_data(as_text=True)


def test_center_approves_once_with_sms_audit_and_inbox(colleges, client, app, client_as):
    institution = _submitted(colleges, client)
    center = client_as("center")
    details = center.get(f"/admin/institutions/details/?id={institution.id}").get_data(as_text=True)
    assert "审核通过" in details and "不通过" in details
    response = center.post(f"/admin/institutions/review/?id={institution.id}", data={"decision": "approve"},
                           follow_redirects=True)
    assert "审核通过" in response.get_data(as_text=True)
    assert Institution.get_by_id(institution.id).status == InstitutionStatus.ACTIVE
    account = User.get(User.role == Role.INSTITUTION, User.institution == institution.id)
    assert SmsOutbox.select().where(SmsOutbox.phone == account.phone, SmsOutbox.body.contains("审核通过")).count() == 1
    assert Message.select().where(Message.user == account).count() == 1
    assert AuditLog.select().where(AuditLog.action == "institution_approved").count() == 1
    # A second decision changes nothing and sends nothing.
    again = center.post(f"/admin/institutions/review/?id={institution.id}", data={"decision": "refuse", "reason": "x"},
                        follow_redirects=True)
    assert "已审核" in again.get_data(as_text=True)
    assert Institution.get_by_id(institution.id).status == InstitutionStatus.ACTIVE
    assert SmsOutbox.select().where(SmsOutbox.phone == account.phone, SmsOutbox.purpose == "notice").count() == 1
    assert _login(app).get("/admin/").status_code == 200


def test_center_refuses_with_a_reason_and_the_registrant_corrects_and_resubmits(colleges, client, app, client_as):
    institution = _submitted(colleges, client)
    center = client_as("center")
    missing = center.post(f"/admin/institutions/review/?id={institution.id}", data={"decision": "refuse", "reason": ""})
    assert missing.status_code == 200 and "请填写不通过原因" in missing.get_data(as_text=True)
    assert Institution.get_by_id(institution.id).status == InstitutionStatus.PENDING
    center.post(f"/admin/institutions/review/?id={institution.id}",
                data={"decision": "refuse", "reason": "统一社会信用代码与营业执照不符"})
    assert Institution.get_by_id(institution.id).status == InstitutionStatus.REFUSED
    account = User.get(User.role == Role.INSTITUTION, User.institution == institution.id)
    assert SmsOutbox.select().where(SmsOutbox.phone == account.phone,
                                    SmsOutbox.body.contains("统一社会信用代码与营业执照不符")).count() == 1
    assert AuditLog.get(AuditLog.action == "institution_refused").details["reason"] == "统一社会信用代码与营业执照不符"
    # At login the registrant is told, and may correct and submit again.
    later = _login(app)
    page = later.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert "统一社会信用代码与营业执照不符" in page and "不通过" in page
    assert INFO["legal_representative"] in page and INFO["address"] in page  # what was submitted, to correct
    assert later.get("/admin/inst_achievements/").status_code in (302, 403)
    later.post("/institution/register/info", data=dict(INFO, action="submit", contact_name="改正后"))
    again = Institution.get_by_id(institution.id)
    assert again.status == InstitutionStatus.PENDING and again.contact_name == "改正后"


def test_only_pending_registrations_can_be_decided(colleges, client_as):
    _department, college, *_ = colleges
    user = client_as("center").user
    with pytest.raises(ledger.Refused):
        registrations.approve_institution(college, user)
    assert Institution.get_by_id(college.id).status == InstitutionStatus.ACTIVE


def test_list_action_approves_through_the_transition(colleges, client, client_as):
    institution = _submitted(colleges, client)
    client_as("center").post("/admin/institutions/action/", data={"action": "approve", "rowid": [institution.id]})
    assert Institution.get_by_id(institution.id).status == InstitutionStatus.ACTIVE
    assert AuditLog.select().where(AuditLog.action == "institution_approved").count() == 1


def test_agreement_is_a_link_to_its_text(colleges, client):
    page = client.get("/institution/register").get_data(as_text=True)
    assert 'href="/institution/agreement"' in page
    text = client.get("/institution/agreement").get_data(as_text=True)
    assert "注册协议" in text and "统一社会信用代码" in text


def test_demo_institutions_stay_active(app):
    from services.seed import demo

    demo.seed_demo()
    college = Institution.get(Institution.name == "广东理工职业学院")
    assert college.status == InstitutionStatus.ACTIVE
    assert Institution.select().where(Institution.status == InstitutionStatus.PENDING).count() == 0
