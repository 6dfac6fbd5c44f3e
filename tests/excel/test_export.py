"""导出: SMS-verified, audited, neutralised, selected rows or the current filter."""
from models import AuditLog, SmsPurpose, User
from services.messaging import sms
from tests import factories
from tests.excel.conftest import read_xlsx

URL = "/admin/x_accounts/export/"


def code_for(user):
    return sms.issue_code(user.phone, SmsPurpose.EXPORT)


def test_export_without_a_valid_code_is_refused(client_as):
    center = client_as("center")
    factories.make_learner(real_name="甲")
    page = center.get(URL).data.decode()
    assert f"请用您绑定的尾号为{center.user.phone[-4:]}的手机号获取验证码" in page
    code_for(center.user)
    for data in ({"code": "000000"}, {"code": ""}):
        response = center.post(URL, data=data)
        assert response.status_code == 400
        assert response.mimetype == "text/html"
    assert AuditLog.select().where(AuditLog.action == "export").count() == 0


def test_export_neutralises_formulas_and_keeps_ids_as_text(client_as):
    center = client_as("center")
    learner = factories.make_learner(real_name="=HYPERLINK(\"http://evil\",\"x\")")
    factories.make_learner(real_name="@SUM(A1)")
    factories.make_learner(real_name="-2+3")
    response = factories.export(center, URL, {"code": code_for(center.user)})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    rows = read_xlsx(response.data)
    assert rows[0] == ["学员姓名", "身份证号", "手机号码", "账户状态", "入库时间"]
    names = {r[0] for r in rows[1:]}
    assert names == {"'=HYPERLINK(\"http://evil\",\"x\")", "'@SUM(A1)", "'-2+3"}
    exported = next(r for r in rows[1:] if r[0].startswith("'="))
    assert exported[1] == learner.id_number and isinstance(exported[2], str) and exported[3] == "已激活"
    entry = AuditLog.get(AuditLog.action == "export")
    assert entry.user_id == center.user.id and entry.details["rows"] == 3


def test_export_follows_the_filter_or_the_selection(client_as):
    center = client_as("center")
    wanted = factories.make_learner(real_name="张三")
    factories.make_learner(real_name="李四")
    response = factories.export(center, URL + "?search=张", {"code": code_for(center.user)})
    assert [r[0] for r in read_xlsx(response.data)[1:]] == ["张三"]
    assert AuditLog.get(AuditLog.action == "export").details["filter"] == {"search": "张"}
    # 导出 action on selected rows: another institution's learner id is silently out of scope
    institution = client_as("institution")
    own = factories.make_learner(real_name="本机构学员", added_by_institution=institution.user.institution)
    redirect = institution.post(
        "/admin/x_accounts/action/", data={"action": "export", "rowid": [str(own.id), str(wanted.id)]}
    )
    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    User.update(phone=institution.user.phone).where(User.id == institution.user.id).execute()
    response = factories.export(institution, location, {"code": code_for(institution.user)})
    assert [r[0] for r in read_xlsx(response.data)[1:]] == ["本机构学员"]


def test_export_of_joined_learner_achievements(client_as, reference):
    user = factories.make_user("institution")
    client = client_as(user)
    catalogue_achievement = factories.make_catalogue("inst_he_diploma", institution=user.institution)
    learner = factories.make_learner()
    from models import AchievementSource, AchievementStatus, LearnerAchievement

    LearnerAchievement.create(
        learner=learner, catalogue=catalogue_achievement, category=catalogue_achievement.category,
        name=catalogue_achievement.name, institution=user.institution,
        status=AchievementStatus.CATALOGUE, source=AchievementSource.IMPORT, personal_code="+86", stored_by=user.institution,
    )
    factories.make_learner()  # not stored by this institution
    response = factories.export(client, "/admin/x_learner_achievements/export/", {"code": code_for(user)})
    rows = read_xlsx(response.data)
    assert len(rows) == 2 and rows[1][0] == learner.real_name and rows[1][3] == "'+86" and rows[1][4] == "名录成果"
