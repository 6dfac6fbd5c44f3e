"""导入: the accepted/rejected split and reasons, both file formats, refused files,
re-imports, atomicity and who may download an import record's files."""
import datetime as dt
import io
import os

import openpyxl
import pytest

from models import AccountStatus, Attachment, ImportBatch, LearnerAchievement, Permission, Role, User, UserPermission
from services import excel
from services.core import bulk
from tests import factories
from tests.excel.conftest import read_xlsx, upload, workbook_bytes

URL = "/admin/x_accounts/import/"
HEADER = ["学员姓名*", " 身份证号 *", "手机号码", "电子邮箱"]
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def ids(n, start=100):
    return [factories.valid_id_number(start + i) for i in range(n)]


def result_page(client, response):
    assert response.status_code == 302, response.data.decode()[-2000:]
    return client.get(response.headers["Location"]).data.decode()


@pytest.mark.parametrize("slice_rows", [excel.PARSE_SLICE, 2])
def test_every_kind_of_bad_row(client_as, monkeypatch, slice_rows):
    """A workbook with every kind of bad row gives exactly the expected split and reasons,
    also when it is parsed two rows at a time (row numbers and duplicates across slices)."""
    monkeypatch.setattr(excel.reading, "PARSE_SLICE", slice_rows)
    center = client_as("center")
    registered = factories.make_learner()
    good = ids(6)
    bad_check = good[5][:17] + ("0" if good[5][17] != "0" else "1")
    rows = [
        HEADER,
        ["\u00a0张三 ", good[0], "13800000001", "a@example.com"],  # NBSP and spaces
        ["李四", good[1].translate(str.maketrans("0123456789", "０１２３４５６７８９")), "", ""],  # full-width
        [None, None, None, None],  # blank row: skipped
        ["", good[2], "", ""],  # row 5: name missing
        ["王五", bad_check, "", ""],  # row 6: check digit
        ["赵六", float(good[3]), "", ""],  # row 7: ID typed as a number
        ["孙七", good[4][:15], "", ""],  # row 8: 15 characters
        ["周八", good[4], "12345", ""],  # row 9: bad mobile
        ["吴九", good[1], "", ""],  # row 10: duplicates row 3
        ["郑十", registered.id_number, "", ""],  # row 11: registered already
        ["钱一", good[4], "", "bad-email"],  # row 12: email
        ["冯二", good[4].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), "", ""],  # row 13: Arabic digits
        ["陈三", good[5], "", " Chen@Example.COM "],  # email kept in lower case
    ]
    page = result_page(center, upload(center, URL, workbook_bytes(rows)))
    batch = ImportBatch.get()
    assert (batch.accepted, batch.rejected) == (3, 9)
    assert "成功导入符合要求数据3条" in page and "未导入不符合要求数据9条" in page
    imported = {u.real_name: u for u in User.select().where(User.status == AccountStatus.INACTIVE)}
    assert set(imported) == {"张三", "李四", "陈三"}
    assert imported["李四"].id_number == good[1] and imported["张三"].phone == "13800000001"
    assert imported["李四"].phone is None and imported["李四"].email is None  # empty cells are NULL, not ""
    assert imported["陈三"].email == "chen@example.com"
    assert imported["张三"].role == Role.LEARNER and imported["张三"].added_by_institution_id is None

    failed = read_xlsx(center.get(f"/files/{batch.rejected_file_id}").data)
    assert failed[0][-1] == "失败原因"
    reasons = {row[0] or "": row[-1] for row in failed[1:]}
    assert reasons[""] == "第5行 学员姓名 不能为空"
    assert reasons["王五"] == "第6行 身份证号 校验位错误"
    assert "第7行 身份证号" in reasons["赵六"] and "文本" in reasons["赵六"]
    assert reasons["孙七"] == "第8行 身份证号 必须为18位"
    assert reasons["周八"] == "第9行 手机号码 必须为11位大陆手机号码"
    assert reasons["吴九"] == "第10行 身份证号 与本文件第3行重复"
    assert reasons["郑十"] == "第11行 身份证号 已被注册"
    assert reasons["钱一"] == "第12行 电子邮箱 必须为有效的电子邮箱地址"
    assert reasons["冯二"].startswith("第13行 身份证号 ")
    accepted = read_xlsx(center.get(f"/files/{batch.accepted_file_id}").data)
    assert [r[:2] for r in accepted[1:]] == [["张三", good[0]], ["李四", good[1]], ["陈三", good[5]]]


def test_xls_and_xlsx_both_import(client_as):
    """The same learners saved by Excel as .xls (BIFF) and as .xlsx both import."""
    center = client_as("center")
    with open(os.path.join(FIXTURES, "learners.xls"), "rb") as handle:
        result_page(center, upload(center, URL, handle.read(), filename="learners.xls"))
    assert ImportBatch.get().accepted == 2
    assert set(User.select(User.real_name).where(User.status == AccountStatus.INACTIVE).tuples()) == {("陈一",), ("林二",)}
    content = workbook_bytes([HEADER, ["黄三", ids(1, 300)[0].lower().replace("X", "x"), 13800000003.0, None]])
    result_page(center, upload(center, URL, content))
    assert User.get(User.real_name == "黄三").phone == "13800000003"


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"%PDF-1.4 not a sheet", "data.xlsx", "不是Excel表格"),
        (b"", "data.xlsx", "文件为空"),
        (b"PK\x03\x04garbage", "data.xlsx", "不是Excel表格"),
        ("header-only", "data.xlsx", "没有数据行"),
        ("no-id-column", "data.xlsx", "缺少必填列：身份证号"),
        ("id-column-twice", "data.xlsx", "身份证号列出现了不止一次"),
    ],
)
def test_a_refused_file_changes_nothing(client_as, content, filename, message):
    center = client_as("center")
    if content == "header-only":
        content = workbook_bytes([HEADER])
    elif content == "no-id-column":
        content = workbook_bytes([["学员姓名", "手机号码"], ["张三", "13800000001"]])
    elif content == "id-column-twice":  # which copy holds the data cannot be guessed
        number = ids(1, 700)[0]
        content = workbook_bytes([[*HEADER, "身份证号*"], ["张三", number, "", "", ""], ["李四", "", "", "", number]])
    users = User.select().count()
    response = upload(center, URL, content, filename=filename)
    assert response.status_code == 200
    assert message in response.data.decode()
    assert User.select().count() == users and ImportBatch.select().count() == 0 and Attachment.select().count() == 0


def test_too_many_rows_and_zip_bombs_are_refused(app, client_as):
    center = client_as("center")
    app.config["IMPORT_MAX_ROWS"] = 3
    content = workbook_bytes([HEADER, *[[f"学员{i}", n, "", ""] for i, n in enumerate(ids(20, 400))]])
    assert "超过3行" in upload(center, URL, content).data.decode()
    app.config["IMPORT_MAX_ROWS"] = 200_000
    bomb = io.BytesIO()
    with __import__("zipfile").ZipFile(bomb, "w", compression=8) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (app.config["IMPORT_MAX_MB"] * 26 * 1024 * 1024))
    assert "解压后过大" in upload(center, URL, bomb.getvalue()).data.decode()
    assert ImportBatch.select().count() == 0


def test_second_import_of_the_same_file_imports_nothing_new(client_as):
    center = client_as("center")
    content = workbook_bytes([HEADER, *[[f"学员{i}", n, "", ""] for i, n in enumerate(ids(3, 500))]])
    result_page(center, upload(center, URL, content))
    page = result_page(center, upload(center, URL, content))
    second = ImportBatch.select().order_by(ImportBatch.id.desc()).first()
    assert (second.accepted, second.rejected) == (0, 3)
    assert User.select().where(User.role == Role.LEARNER).count() == 3
    assert "成功导入符合要求数据0条" in page and "第2行 身份证号 已被注册" in page


def test_failure_workbook_reimports_after_fixing(client_as):
    """Fix the bad cells of the downloaded failure workbook and import it again."""
    center = client_as("center")
    good = ids(2, 600)
    content = workbook_bytes([HEADER, ["甲", good[0], "", ""], ["乙", good[1][:17] + "Z", "", ""]])
    result_page(center, upload(center, URL, content))
    batch = ImportBatch.get()
    failed = center.get(f"/files/{batch.rejected_file_id}?download=1")
    assert failed.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(failed.data))
    sheet = book.active
    assert sheet.cell(row=2, column=2).value == good[1][:17] + "Z"
    sheet.cell(row=2, column=2).value = good[1]
    fixed = io.BytesIO()
    book.save(fixed)
    result_page(center, upload(center, URL, fixed.getvalue(), filename="fixed.xlsx"))
    again = ImportBatch.select().order_by(ImportBatch.id.desc()).first()
    assert (again.accepted, again.rejected) == (1, 0)
    assert User.get(User.id_number == good[1]).real_name == "乙"


def test_a_failure_midway_leaves_nothing(client_as, monkeypatch, tmp_path):
    center = client_as("center")
    calls = []
    original = bulk.insert_chunked

    def failing(model, rows, **same):
        calls.append(model)
        original(model, rows, **same)
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk, "insert_chunked", failing)
    path = tmp_path / "a.xlsx"
    path.write_bytes(workbook_bytes([HEADER, *[[f"学员{i}", n, "", ""] for i, n in enumerate(ids(3, 700))]]))
    with pytest.raises(RuntimeError):
        excel.run_import(excel.KINDS["learner_accounts"], str(path), "a.xlsx", center.user)
    assert calls == [User]
    assert User.select().where(User.role == Role.LEARNER).count() == 0 and ImportBatch.select().count() == 0


def test_another_institution_cannot_download_an_import_records_files(client_as):
    owner = client_as("institution")
    content = workbook_bytes([HEADER, ["甲", ids(1, 800)[0], "", ""], ["乙", "123", "", ""]])
    result_page(owner, upload(owner, URL, content))
    batch = ImportBatch.get()
    assert batch.institution_id == owner.user.institution_id
    assert User.get(User.real_name == "甲").added_by_institution_id == owner.user.institution_id
    colleague = client_as("subuser", institution=owner.user.institution)
    UserPermission.create(user=colleague.user, permission=Permission.LEARNER_ACCOUNTS)
    without_menu = client_as("subuser", institution=owner.user.institution)
    other = client_as("institution")
    for attachment_id in (batch.accepted_file_id, batch.rejected_file_id):
        assert owner.get(f"/files/{attachment_id}").status_code == 200
        assert colleague.get(f"/files/{attachment_id}").status_code == 200
        assert without_menu.get(f"/files/{attachment_id}").status_code == 404
        assert other.get(f"/files/{attachment_id}").status_code == 404
        assert client_as("learner").get(f"/files/{attachment_id}").status_code == 404
    # nor open its result page or see it among the import records
    assert other.get(f"/admin/x_accounts/import/{batch.id}/").status_code == 404
    assert batch.filename not in other.get("/admin/x_accounts/imports/").data.decode()
    assert batch.filename in owner.get("/admin/x_accounts/imports/").data.decode()


def test_import_records_show_the_last_year_only(client_as):
    center = client_as("center")
    content = workbook_bytes([HEADER, ["甲", ids(1, 900)[0], "", ""]])
    result_page(center, upload(center, URL, content, filename="recent.xlsx"))
    ImportBatch.create(kind="learner_accounts", filename="old.xlsx", created_at=dt.datetime.now() - dt.timedelta(days=400))
    page = center.get("/admin/x_accounts/imports/").data.decode()
    assert "recent.xlsx" in page and "old.xlsx" not in page


def test_template_marks_required_columns_and_formats(client_as):
    response = client_as("center").get("/admin/x_accounts/import/template/")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["学员姓名*", "身份证号*", "手机号码"]
    assert sheet["B2"].number_format == "@" and sheet["C2"].number_format == "@"
    assert "填写说明" in book.sheetnames


def test_learner_achievements_import_creates_inactive_learners(client_as, reference):
    institution_user = factories.make_user("institution")
    client = client_as(institution_user)
    catalogue_achievement = factories.make_catalogue("inst_he_diploma", institution=institution_user.institution)
    holder = factories.make_learner()
    rows = [
        ["学员姓名", "身份证号", "个人成果编号", "颁证日期"],
        ["新学员", ids(1, 950)[0], "A-1", "2022/3/1"],
        [holder.real_name, holder.id_number, "A-2", "2022年3月1日"],
        ["错名字", holder.id_number, "A-3", 44621.0],
        ["未来", ids(1, 960)[0], "A-4", (dt.date.today() + dt.timedelta(days=3)).isoformat()],
    ]
    url = f"/admin/x_learner_achievements/import/?target={catalogue_achievement.id}"
    result_page(client, upload(client, url, workbook_bytes(rows), target=catalogue_achievement.id))
    batch = ImportBatch.get()
    assert (batch.accepted, batch.rejected, batch.target_id) == (2, 2, catalogue_achievement.id)
    new = User.get(User.real_name == "新学员")
    assert new.status == AccountStatus.INACTIVE and new.added_by_institution_id == institution_user.institution_id
    stored = (LearnerAchievement.select().where(LearnerAchievement.catalogue == catalogue_achievement.id)
              .order_by(LearnerAchievement.id))
    assert [(a.learner_id, a.obtained_on, a.personal_code) for a in stored] == [
        (new.id, dt.date(2022, 3, 1), "A-1"),
        (holder.id, dt.date(2022, 3, 1), "A-2"),
    ]
    assert all(a.stored_by_id == institution_user.institution_id and a.import_batch == batch.id for a in stored)
    # Another institution's achievement cannot be the target.
    other_catalogue_achievement = factories.make_catalogue("inst_he_diploma")
    url = f"/admin/x_learner_achievements/import/?target={other_catalogue_achievement.id}"
    assert client.get(url).status_code == 404


def test_overlapping_imports_restore_the_garbage_collector_once_all_are_done():
    """Imports in two threads of one process overlap: the collector stays paused until
    the last one ends, and is on again afterwards."""
    import gc

    assert gc.isenabled()
    first, second = excel.paused_gc(), excel.paused_gc()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second import is still running
    second.__exit__(None, None, None)
    assert gc.isenabled()
