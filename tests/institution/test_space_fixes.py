"""Institution-space defects that stay fixed: a bad reason file, the 学员成果 status column,
a sub-user's home counts and red error boxes."""
import io

import pytest
from flask import flash, render_template_string

from models import AchievementSource, AchievementStatus, Attachment, LearnerAchievement, Permission, UserPermission
from tests import factories


@pytest.mark.parametrize("batch", [False, True])
def test_withdraw_with_an_unsupported_reason_file_is_a_field_message(spaces, client_as, batch):
    """撤回 / 批量撤回 with a .txt reason file: a field message, nothing withdrawn, no file kept."""
    a = spaces.a
    rows = [a.stored]
    if batch:
        rows.append(factories.make_achievement(
            factories.make_learner(), factories.make_catalogue("inst_he_course", institution=a.institution),
            source=AchievementSource.INSTITUTION, stored_by=a.institution,
        ))
    data = {"ids": ",".join(str(r.id) for r in rows), "reason": "发证信息有误",
            "reason_file": (io.BytesIO(b"just some text"), "原因.txt")}
    response = client_as(a.admin).post("/admin/inst_learner_achievements/withdraw/", data=data,
                                       content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page and "原因.txt" in page
    for row in rows:
        assert LearnerAchievement.get_by_id(row.id).status != AchievementStatus.WITHDRAWN
    assert Attachment.select().where(Attachment.owner_type == "withdrawal").count() == 0


def test_learner_achievements_show_who_stored_them(spaces, client_as):
    """学员成果 says 机构存储 for the institution's own, 学分银行存储 for the center's imports, 已撤回 when withdrawn."""
    a = spaces.a
    by_center = factories.make_achievement(
        factories.make_learner(real_name="中心导入学员"), factories.make_catalogue("inst_he_course", institution=a.institution),
        source=AchievementSource.IMPORT, stored_by=a.institution,
    )
    withdrawn = factories.make_achievement(
        factories.make_learner(real_name="已撤回学员"), factories.make_catalogue("inst_he_course", institution=a.institution),
        source=AchievementSource.INSTITUTION, stored_by=a.institution, status=AchievementStatus.WITHDRAWN,
    )
    del by_center, withdrawn
    page = client_as(a.admin).get("/admin/inst_learner_achievements/").get_data(as_text=True)
    rows = {name: page.split(name)[1].split("</tr>")[0] for name in (a.learner.real_name, "中心导入学员", "已撤回学员")}
    assert "机构存储" in rows[a.learner.real_name]
    assert "学分银行存储" in rows["中心导入学员"]
    assert "已撤回" in rows["已撤回学员"]
    assert not any("名录成果" in row for row in rows.values())


def test_institution_imports_count_as_institution_storage(spaces, client_as):
    from models import ImportBatch

    a = spaces.a
    batch = ImportBatch.create(kind="learner_achievements", operator=a.admin, institution=a.institution,
                               filename="x.xlsx")
    factories.make_achievement(
        factories.make_learner(real_name="机构导入学员"), factories.make_catalogue("inst_he_course", institution=a.institution),
        source=AchievementSource.IMPORT, stored_by=a.institution, import_batch=batch.id,
    )
    page = client_as(a.admin).get("/admin/inst_learner_achievements/").get_data(as_text=True)
    assert "机构存储" in page.split("机构导入学员")[1].split("</tr>")[0]


def test_seeded_institution_achievements_carry_institution_types(app):
    """The demo colleges' achievements are 学历成果 types (SPEC §2), not learner categories."""
    from models import CatalogueAchievement, CategoryScope, Institution
    from services.seed import demo

    demo.seed_demo()
    colleges = Institution.select().where(Institution.name.in_(["广东理工职业学院", "长沙理工大学", "广东开放大学"]))
    catalogue_achievements = list(CatalogueAchievement.select().where(CatalogueAchievement.institution.in_(colleges)))
    assert catalogue_achievements
    # 学位证书 and 技师教育 have no institution type (SPEC §2); every other catalogue achievement must be one.
    wrong = [e.name for e in catalogue_achievements
             if e.category.scope != CategoryScope.INSTITUTION and e.category.code not in ("degree", "technician")]
    assert wrong == []
    diploma = CatalogueAchievement.get(CatalogueAchievement.name == "经济统计学毕业证书(本科)")
    assert diploma.category.name == "普通高等教育学历证书" and diploma.category.parent.name == "学历成果"
    # Learners hold them under their own subcategory, with the learner form's fields filled in.
    held = LearnerAchievement.get(LearnerAchievement.catalogue == diploma)
    assert held.category.scope == "learner" and held.category.code == "diploma"
    assert all(diploma.fields.get(f["name"]) for f in held.category.catalogue_fields())


@pytest.mark.parametrize(
    ("granted", "shown", "hidden"),
    [
        ((Permission.LEARNER_ACHIEVEMENTS,), "learner_achievements", "achievements_degree"),
        ((Permission.ACHIEVEMENTS,), "achievements_degree", "learner_achievements_degree"),
    ],
)
def test_subuser_home_shows_only_counts_of_their_menus(spaces, client_as, granted, shown, hidden):
    a = spaces.a
    for permission in granted:
        UserPermission.create(user=a.subuser, permission=permission)
    home = client_as(a.subuser).get("/admin/").get_data(as_text=True)
    assert f'data-count="{shown}"' in home
    assert f'data-count="{hidden}"' not in home
    assert 'data-count="rules"' not in home  # no 转换规则管理 menu either


@pytest.mark.parametrize("template", ["base.html", "admin/cb_base.html"])
def test_danger_flashes_are_red_boxes(app, template):
    """flash(..., "danger") renders as Bootstrap's alert-danger in both layouts."""
    from flask_login import login_user

    from models import User

    with app.test_request_context("/"):
        if template.startswith("admin"):
            learner = factories.make_user("center")
            login_user(User.get_by_id(learner.id))
            from flask import current_app

            admin = current_app.extensions["admin"][0]
            view = admin.index_view
            flash("出错了", "danger")
            html = view.render("admin/home.html")
        else:
            flash("出错了", "danger")
            html = render_template_string('{% extends "base.html" %}{% block content %}{% endblock %}')
    box = html.split("出错了")[0].rsplit("<div", 1)[1]
    assert "alert-danger" in box
