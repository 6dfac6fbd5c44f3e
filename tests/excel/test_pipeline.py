"""The import pipeline leaves nothing half-written: a failure of the result
workbooks written beside the insert rolls the rows back, and the collector comes back on."""
import gc

import pytest

from models import Attachment, ImportBatch, Role, User
from services import excel
from services.excel import pipeline
from tests import factories
from tests.excel.conftest import workbook_bytes

HEADER = ["学员姓名*", "身份证号*", "手机号码", "电子邮箱"]


def test_a_failed_result_workbook_rolls_the_import_back(client_as, monkeypatch, tmp_path):
    center = client_as("center")

    def failing(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pipeline, "write_rows", failing)
    path = tmp_path / "a.xlsx"
    numbers = [factories.valid_id_number(900 + i) for i in range(3)]
    path.write_bytes(workbook_bytes([HEADER, *[[f"学员{i}", n, "", ""] for i, n in enumerate(numbers)]]))
    with pytest.raises(OSError):
        excel.run_import(excel.LEARNER_ACCOUNTS, str(path), "a.xlsx", center.user)
    assert User.select().where(User.role == Role.LEARNER).count() == 0
    assert ImportBatch.select().count() == 0
    assert Attachment.select().where(Attachment.owner_type == "import").count() == 0
    assert gc.isenabled()


def test_the_result_page_shows_the_first_reasons_of_the_refused_rows(client_as):
    from tests.excel.conftest import upload

    center = client_as("center")
    good = factories.valid_id_number(950)
    response = upload(center, "/admin/x_accounts/import/",
                      workbook_bytes([HEADER, ["甲", good, "", ""], ["", factories.valid_id_number(951), "", ""], ["乙", "123", "", ""]]))
    page = center.get(response.headers["Location"]).data.decode()
    assert "第3行 学员姓名 不能为空" in page and "第4行 身份证号 必须为18位" in page
    assert excel.first_reasons(ImportBatch.get().rejected_file, limit=1) == ["第3行 学员姓名 不能为空"]
