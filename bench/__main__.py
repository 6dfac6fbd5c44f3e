"""Import/export benchmark of services.excel on this machine (issue: Excel engine).

Generates a 100 000-row learner-account workbook with 1 % bad rows (every kind of
fault the validation knows), then measures, each in a forked child so its peak memory
(max RSS) is its own:

- import (parse → validate → commit → both result workbooks) against a bare
  ``openpyxl.load_workbook(read_only=True)`` iteration of the same file's rows;
- export of 100 000 learner achievements (query → neutralise → write) against a bare
  openpyxl ``write_only`` write of the same cell values.

Prints a table and exits 1 when a target is missed. ``python -m bench --rows N`` for a
smaller run.
"""
import argparse
import datetime as dt
import os
import pickle
import shutil
import sys
import tempfile
import time

import openpyxl

IMPORT_RATIO_TARGET = 0.35
EXPORT_RATIO_TARGET = 1.0
MEMORY_TARGET_MB = 300
BAD_KINDS = (
    "missing name",
    "bad check digit",
    "ID typed as a number",
    "ID in scientific notation",
    "ID of 15 characters",
    "bad mobile",
    "bad email",
    "name too long",
    "ID twice in the file",
    "ID already registered",
)


def id_number(n):
    from services.records.validators import id_check_char

    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n // 500)
    first17 = f"440106{birth:%Y%m%d}{n % 500:03d}"
    return first17 + id_check_char(first17)


def generate(path, rows):
    """The workbook (openpyxl write-only, as a person's tool would save it), the
    expected number of accepted rows and the number of data rows. Good rows carry what
    real files contain: full-width digits, lower-case x, non-breaking spaces, blank rows.
    A blank row takes the place of a data row, so the sheet is ``rows`` high (plus the
    header) and a 200 000-row file fits the 200 000-row limit."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("学员")
    sheet.append(["学员姓名*", " 身份证号 *", "手机号码", "电子邮箱", "民族", "联系地址"])
    fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
    bad_every = 100
    accepted = data_rows = 0
    for n in range(rows):
        ident = id_number(n)
        name = f"\u00a0学员{n}"
        phone = f"13{n:09d}"
        email = f"learner{n}@example.com"
        if n % 997 == 0:
            ident = ident.lower()
        if n % 991 == 0:
            phone = phone.translate(fullwidth)
        if n % 5000 == 4999:
            sheet.append([None] * 6)
            continue
        data_rows += 1
        if n % bad_every == 7:
            fault = BAD_KINDS[(n // bad_every) % len(BAD_KINDS)]
            if fault == "missing name":
                name = ""
            elif fault == "bad check digit":
                ident = ident[:17] + ("0" if ident[17] != "0" else "1")
            elif fault == "ID typed as a number":
                ident = float(ident[:17] + "1")
            elif fault == "ID in scientific notation":
                ident = "4.40106199E+17"
            elif fault == "ID of 15 characters":
                ident = ident[:15]
            elif fault == "bad mobile":
                phone = "1234567"
            elif fault == "bad email":
                email = "not-an-email"
            elif fault == "name too long":
                name = "长" * 60
            elif fault == "ID twice in the file":
                ident = id_number(n - 1)
            elif fault == "ID already registered":
                ident = id_number(rows + n)  # seeded into the database beforehand
        else:
            accepted += 1
        sheet.append([name, ident, phone, email, "汉族", "广东省广州市天河区天河路1号"])
    book.save(path)
    return accepted, data_rows


def seed_registered(rows):
    from models import Role, User
    from services import excel

    registered = [
        {"role": Role.LEARNER, "real_name": "已注册", "id_number": id_number(rows + n)}
        for n in range(7, rows, 100)
    ]
    excel.insert_chunked(User, registered)


def seed_achievements(count):
    """``count`` learner achievements (formula-like text in some) for the export."""
    from models import (
        AchievementSource,
        AchievementStatus,
        CatalogueAchievement,
        Category,
        Institution,
        InstitutionKind,
        LearnerAchievement,
        User,
        now,
    )
    from services import excel
    from services.seed import demo

    demo.seed_reference()
    institution = Institution.create(name="基准测试学院", kind=InstitutionKind.COLLEGE)
    category = Category.get(Category.code == "inst_he_diploma")
    catalogue_achievement = CatalogueAchievement.create(
        project_name="基准项目", name="经济统计学毕业证书", institution=institution, category=category
    )
    learners = [i for (i,) in User.select(User.id).where(User.role == "learner").order_by(User.id).tuples()]
    stamp = now()
    records = []
    for n in range(count):
        records.append(
            {
                "learner": learners[n % len(learners)],
                "catalogue": catalogue_achievement.id if n < len(learners) else None,
                "category": category.learner_category_id,
                "name": catalogue_achievement.name if n % 50 else "=HYPERLINK(\"http://x\",\"点我\")",
                "institution": institution.id,
                "fields": "{}",
                "status": AchievementStatus.CATALOGUE,
                "source": AchievementSource.INSTITUTION,
                "obtained_on": dt.date(2020, 1, 1) + dt.timedelta(days=n % 1500),
                "personal_code": f"NO{n:08d}" if n % 40 else f"-{n}+1",
                "stored_by": institution.id,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    excel.insert_chunked(LearnerAchievement, records)
    return institution.id


EXPORT_COLUMNS = None


def export_columns():
    from models import AchievementStatus, Institution, LearnerAchievement, User
    from services import excel

    return (
        excel.ExportColumn("学员姓名", User.real_name),
        excel.ExportColumn("身份证号", User.id_number),
        excel.ExportColumn("手机号码", User.phone),
        excel.ExportColumn("成果名称", LearnerAchievement.name),
        excel.ExportColumn("个人成果编号", LearnerAchievement.personal_code),
        excel.ExportColumn("成果状态", LearnerAchievement.status, enum=AchievementStatus),
        excel.ExportColumn("颁证日期", LearnerAchievement.obtained_on, excel.DATE),
        excel.ExportColumn("来源机构", Institution.name),
    )


def export_query(institution_id):
    from peewee import JOIN

    from models import Institution, LearnerAchievement, User

    return (
        LearnerAchievement.select()
        .join(User, on=(LearnerAchievement.learner == User.id))
        .switch(LearnerAchievement)
        .join(Institution, JOIN.LEFT_OUTER, on=(LearnerAchievement.institution == Institution.id))
        .where(LearnerAchievement.stored_by == institution_id)
        .order_by(LearnerAchievement.id)
    )


def in_child(app, work):
    """Run ``work()`` in a forked child; return (its result, its peak RSS in MB)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        code = 0
        try:
            from models import db

            with app.app_context(), db.connection_context():
                result = work()
        except BaseException as error:  # report any failure to the parent
            result, code = error, 1
        with os.fdopen(write_end, "wb") as out:
            pickle.dump(result, out)
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as source:
        result = pickle.load(source)
    _pid, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise RuntimeError(f"benchmark step failed: {result!r}")
    return result, usage.ru_maxrss / 1024


def timed(fn):
    def run():
        start = time.perf_counter()
        value = fn()
        return time.perf_counter() - start, value

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    rows = args.rows
    tmp = tempfile.mkdtemp(prefix="excel-bench-")
    try:
        return run(rows, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the database and workbooks: ~84 MB at 100 000 rows


def run(rows, tmp):
    from app import create_app
    from models import User, db
    from services import excel
    from services.core import database

    url = "sqlite:///" + os.path.join(tmp, "bench.db")
    app = create_app({"DATABASE_URL": url, "UPLOAD_DIR": os.path.join(tmp, "uploads"), "IMPORT_MAX_ROWS": 200_000})
    with app.app_context():
        database.init_db()
    workbook = os.path.join(tmp, "learners.xlsx")
    print(f"generating {rows} rows into {workbook} …", flush=True)
    expected, data_rows = generate(workbook, rows)
    in_child(app, lambda: seed_registered(rows))

    def bare_read():
        book = openpyxl.load_workbook(workbook, read_only=True)
        count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
        book.close()
        return count

    def do_import():
        user = User.create(role="center", real_name="基准", username="bench_center")
        batch = excel.run_import(excel.KINDS["learner_accounts"], workbook, "learners.xlsx", user)
        return batch.accepted, batch.rejected

    (read_s, _n), read_mb = in_child(app, timed(bare_read))
    (import_s, (accepted, rejected)), import_mb = in_child(app, timed(do_import))
    if accepted != expected or accepted + rejected != data_rows:
        print(f"wrong split: accepted {accepted} (expected {expected}), rejected {rejected}", file=sys.stderr)
        return 1

    institution_id, _mb = in_child(app, lambda: seed_achievements(rows))
    export_path = os.path.join(tmp, "export.xlsx")
    bare_path = os.path.join(tmp, "bare.xlsx")

    def do_export():
        return excel.write_export(export_path, export_query(institution_id), export_columns())

    def bare_write():
        values = list(excel.export_values(export_query(institution_id), export_columns()))
        headers = [c.header for c in export_columns()]
        start = time.perf_counter()
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Sheet1")
        sheet.append(headers)
        for row in values:
            sheet.append(row)
        book.save(bare_path)
        return time.perf_counter() - start, len(values)

    (export_s, exported), export_mb = in_child(app, timed(do_export))
    (write_s, _written), write_mb = in_child(app, bare_write)

    import_ratio = import_s / read_s
    export_ratio = export_s / write_s
    results = [
        ("import", import_s, read_s, import_ratio, IMPORT_RATIO_TARGET, import_mb, rows / import_s),
        ("export", export_s, write_s, export_ratio, EXPORT_RATIO_TARGET, export_mb, exported / export_s),
    ]
    print()
    print(f"rows: {rows}; import accepted {accepted}, rejected {rejected}; export rows {exported}")
    print(f"{'step':8} {'time s':>8} {'openpyxl s':>11} {'ratio':>7} {'target':>7} {'peak MB':>8} {'rows/s':>9}  ok")
    failed = False
    for name, seconds, base, ratio, target, peak, speed in results:
        ok = ratio <= target and peak < MEMORY_TARGET_MB
        failed |= not ok
        print(
            f"{name:8} {seconds:8.2f} {base:11.2f} {ratio:7.3f} {'≤' + str(target):>7} "
            f"{peak:8.0f} {speed:9.0f}  {'yes' if ok else 'NO'}"
        )
    print(f"(openpyxl baselines: read_only iteration {read_mb:.0f} MB, write_only {write_mb:.0f} MB peak;"
          f" memory target < {MEMORY_TARGET_MB} MB)")
    with app.app_context(), db.connection_context():
        pass
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
