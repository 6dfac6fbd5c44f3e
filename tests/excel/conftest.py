"""Admin views that wear ExcelMixin the way the area views do, registered on the test
app so these tests do not depend on which area screens exist yet."""
import io

import openpyxl
import pytest
from peewee import JOIN

from admin.base import SecureModelView
from admin.excel import ExcelMixin
from models import (
    AccountStatus,
    AchievementStatus,
    CatalogueAchievement,
    Institution,
    LearnerAchievement,
    Role,
    User,
)
from services import excel
from services.accounts import permissions


class AccountsView(ExcelMixin, SecureModelView):
    roles = frozenset({permissions.CENTER, permissions.INSTITUTION, permissions.SUBUSER})
    import_kinds = (excel.LEARNER_ACCOUNTS,)
    column_list = ("real_name", "id_number", "status")
    column_searchable_list = ("real_name",)
    column_filters = ("status",)
    export_columns = (
        excel.ExportColumn("学员姓名", User.real_name),
        excel.ExportColumn("身份证号", User.id_number),
        excel.ExportColumn("手机号码", User.phone),
        excel.ExportColumn("账户状态", User.status, enum=AccountStatus),
        excel.ExportColumn("入库时间", User.created_at, excel.DATETIME),
    )
    export_name = "学员账户"

    def scope(self, query):
        from flask_login import current_user

        query = query.where(User.role == Role.LEARNER)
        if current_user.role == permissions.CENTER:
            return query
        return permissions.scope_by_institution(query, User.added_by_institution, current_user)


class CatalogueImportView(ExcelMixin, SecureModelView):
    import_kinds = (excel.CATALOGUE,)
    column_list = ("name",)


class InstitutionAchievementsImportView(ExcelMixin, SecureModelView):
    roles = permissions.INSTITUTION_USERS
    import_kinds = (excel.INSTITUTION_ACHIEVEMENTS,)
    column_list = ("name",)

    def scope(self, query):
        from flask_login import current_user

        return permissions.scope_by_institution(query, CatalogueAchievement.institution, current_user)


class LearnerAchievementsView(ExcelMixin, SecureModelView):
    roles = permissions.INSTITUTION_USERS
    import_kinds = (excel.LEARNER_ACHIEVEMENTS,)
    column_list = ("name", "status")
    export_columns = (
        excel.ExportColumn("学员姓名", User.real_name),
        excel.ExportColumn("身份证号", User.id_number),
        excel.ExportColumn("成果名称", LearnerAchievement.name),
        excel.ExportColumn("个人成果编号", LearnerAchievement.personal_code),
        excel.ExportColumn("成果状态", LearnerAchievement.status, enum=AchievementStatus),
        excel.ExportColumn("颁证日期", LearnerAchievement.obtained_on, excel.DATE),
        excel.ExportColumn("来源机构", Institution.name),
    )

    def base_query(self):
        return (
            LearnerAchievement.select(LearnerAchievement, User)
            .join(User, on=(LearnerAchievement.learner == User.id))
            .switch(LearnerAchievement)
            .join(Institution, JOIN.LEFT_OUTER, on=(LearnerAchievement.institution == Institution.id))
            .switch(LearnerAchievement)
        )

    def scope(self, query):
        from flask_login import current_user

        return permissions.scope_by_institution(query, LearnerAchievement.stored_by, current_user)


@pytest.fixture(autouse=True)
def excel_views(app):
    admin = app.extensions["admin"][0]
    admin.add_view(AccountsView(User, name="accounts", endpoint="x_accounts"))
    admin.add_view(CatalogueImportView(CatalogueAchievement, name="catalogue", endpoint="x_catalogue"))
    admin.add_view(
        InstitutionAchievementsImportView(CatalogueAchievement, name="inst", endpoint="x_inst_achievements")
    )
    admin.add_view(LearnerAchievementsView(LearnerAchievement, name="la", endpoint="x_learner_achievements"))


def workbook_bytes(rows, sheet_rows_before=()):
    """An .xlsx made with openpyxl (as Excel would save it) from lists of cell values."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [*sheet_rows_before, *rows]:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, url, content, filename="data.xlsx", **fields):
    return client.post(
        url, data={**fields, "file": (io.BytesIO(content), filename)}, content_type="multipart/form-data"
    )


def read_xlsx(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]
