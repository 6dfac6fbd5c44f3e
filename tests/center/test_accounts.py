"""Staff and learner accounts (SPEC §5): a link to set the password by SMS, never a password."""
from models import AccountStatus, AuditLog, Role, SmsOutbox, User
from services import accounts
from tests import factories


def created_staff(center, **fields):
    data = {"role": "reviewer", "username": "tp_admin1", "real_name": "李老师", "phone": "13800001111",
            "institution": "0", "department": "", **fields}
    return center.post("/admin/users/new/", data=data)


def test_staff_creation_sends_the_account_and_a_link_but_no_password(center, sms_delivered):
    point = factories.make_teaching_point(name="广州天河教学点")
    response = created_staff(center, institution=str(point.id))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    user = User.get(User.username == "tp_admin1")
    assert user.role == Role.REVIEWER and user.institution_id == point.id and user.must_change_password
    sms = SmsOutbox.get(SmsOutbox.phone == "13800001111")
    assert "tp_admin1" in sms.body and "设置密码" in sms.body
    assert "密码：" not in sms.body and "password:" not in sms.body.lower()
    assert "/password/set/******" in sms.body  # the stored copy is masked (issue 14)
    link = factories.password_link(sms_delivered[-1][1])
    # The link opens once, only to choose a password; then the account logs in with it.
    client = center.application.test_client()
    assert client.post(link, data={"new_password": "Chosen2026x", "confirm": "Chosen2026x"}).status_code == 302
    login = client.post("/login", data={"identity": "person", "identifier": "tp_admin1", "password": "Chosen2026x"})
    assert login.status_code == 302 and "/password" not in login.headers["Location"]
    assert AuditLog.get(AuditLog.action == "staff_created").object_id == user.id


def test_a_reviewer_needs_a_teaching_point_and_duplicates_are_refused(center):
    factories.make_user("center", username="taken", phone="13800002222")
    response = created_staff(center, username="taken", phone="13800002222")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "教学点管理员须选择所属教学点" in page and 'value="李老师"' in page
    assert User.select().where(User.real_name == "李老师").count() == 0
    assert not SmsOutbox.select().exists()


def test_disable_enable_and_reset_staff(center):
    committee = factories.make_user("committee")
    old_hash = committee.password_hash
    center.post("/admin/users/action/", data={"action": "disable", "rowid": [committee.id]})
    assert User.get_by_id(committee.id).status == AccountStatus.DISABLED
    center.post("/admin/users/action/", data={"action": "enable", "rowid": [committee.id]})
    assert User.get_by_id(committee.id).status == AccountStatus.ACTIVE
    center.post("/admin/users/action/", data={"action": "reset", "rowid": [committee.id]})
    after = User.get_by_id(committee.id)
    assert after.password_hash != old_hash and after.must_change_password
    assert SmsOutbox.select().where(SmsOutbox.phone == committee.phone).count() == 1


def test_staff_are_modified_but_keep_account_and_role(center):
    old_point, new_point = factories.make_teaching_point(name="旧教学点"), factories.make_teaching_point(name="新教学点")
    reviewer = factories.make_user("reviewer", institution=old_point, username="tp9")
    factories.make_user("center", phone="13800009999")
    form = center.get(f"/admin/users/edit/?id={reviewer.id}").get_data(as_text=True)
    assert "tp9" in form and 'name="username"' not in form and 'name="role"' not in form
    assert f'<option selected value="{old_point.id}">' in form

    data = {"real_name": "王老师", "phone": "13800009999", "institution": str(new_point.id), "department": "教务处",
            "role": "center", "username": "hijack"}
    refused = center.post(f"/admin/users/edit/?id={reviewer.id}", data=data)
    assert refused.status_code == 200 and "该手机号码已绑定其他账号" in refused.get_data(as_text=True)
    assert User.get_by_id(reviewer.id).real_name == reviewer.real_name

    assert center.post(f"/admin/users/edit/?id={reviewer.id}", data={**data, "phone": "13800008888"}).status_code == 302
    after = User.get_by_id(reviewer.id)
    assert (after.real_name, after.phone, after.institution_id, after.department) == (
        "王老师", "13800008888", new_point.id, "教务处")
    assert (after.username, after.role) == ("tp9", Role.REVIEWER)  # posted username/role ignored
    entry = AuditLog.get(AuditLog.action == "staff_changed")
    assert entry.object_id == reviewer.id and entry.details["changed"] == ["department", "institution", "phone", "real_name"]

    no_point = center.post(f"/admin/users/edit/?id={reviewer.id}", data={**data, "phone": "13800008888",
                                                                         "institution": "0"})
    assert "教学点管理员须选择所属教学点" in no_point.get_data(as_text=True)


def test_the_staff_form_does_not_edit_learners(center):
    learner = factories.make_learner()
    response = center.post(f"/admin/users/edit/?id={learner.id}", data={"real_name": "改名", "phone": "13800007777"})
    assert response.status_code in (302, 404)
    assert User.get_by_id(learner.id).real_name == learner.real_name


def test_staff_actions_never_touch_learners(center):
    learner = factories.make_learner()
    center.post("/admin/users/action/", data={"action": "disable", "rowid": [learner.id]})
    center.post("/admin/users/action/", data={"action": "reset", "rowid": [learner.id]})
    after = User.get_by_id(learner.id)
    assert after.status == AccountStatus.ACTIVE and accounts.verify_password(after, factories.PASSWORD)


def test_learner_list_masks_filters_and_shows_achievements(center):
    point = factories.make_teaching_point(name="佛山教学点")
    mine = factories.make_learner(real_name="张三", teaching_point=point)
    other = factories.make_learner(real_name="李四")
    factories.make_achievement(mine, factories.make_catalogue(name="助理电子商务师"))
    page = center.get(f"/admin/learners/?flt0_0={point.id}").get_data(as_text=True)
    assert "张三" in page and "李四" not in page
    assert mine.id_number not in page and mine.id_number[:6] + "*" in page
    assert mine.phone not in page and mine.phone[:3] + "****" in page
    details = center.get(f"/admin/learners/details/?id={mine.id}").get_data(as_text=True)
    assert "助理电子商务师" in details and mine.id_number not in details
    # A staff id is not a learner: the learner list does not open it.
    assert center.get(f"/admin/learners/details/?id={center.user.id}").status_code == 404
    center.post("/admin/learners/action/", data={"action": "disable", "rowid": [other.id, center.user.id]})
    assert User.get_by_id(other.id).status == AccountStatus.DISABLED
    assert User.get_by_id(center.user.id).status == AccountStatus.ACTIVE
