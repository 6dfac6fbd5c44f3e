"""统计报表's pages for center staff: the table and chart data, a measure a dimension does
not count, the drill-down into the records, 导出 through the export job, 立即更新; and
nobody else may open any of them."""
import re

import pytest

from models import AuditLog, ReportBuild, Role, SmsPurpose
from services.messaging import sms
from services.reports import build
from tests import factories
from tests.excel.conftest import read_xlsx
from tests.ledger.conftest import convert

URL = "/admin/center_reports/"


@pytest.fixture
def converted(ledger_world):
    passed = convert(ledger_world, ledger_world.stored, ledger_world.rule)
    build.rebuild()
    return passed


def _month(passed):
    from models import Application

    return Application.get_by_id(passed.id).decided_at.strftime("%Y-%m")


def test_center_sees_a_report_and_drills_down(ledger_world, converted, client_as):
    center = client_as(ledger_world.center)
    month = _month(converted)
    page = center.get(URL, query_string={"period": "month", "value": month, "dimension": "institution",
                                         "measure": "credits"}).get_data(as_text=True)
    assert "统计报表" in page and "转换学分" in page
    rows = re.findall(r'<tr data-key="(\d+)"><td>([^<]+)</td><td class="text-right" data-value>([^<]+)</td>', page)
    assert rows == [(str(ledger_world.b.id), "B学院", "3")]
    assert '"values": [3.0]' in page or '"values":[3.0]' in page  # the chart's data
    drill = center.get(URL + "records/", query_string={"period": "month", "value": month, "dimension": "institution",
                                                       "measure": "credits", "key": ledger_world.b.id})
    body = drill.get_data(as_text=True)
    assert drill.status_code == 200 and body.count("data-row=") == 1 and "B学院" in body
    assert ledger_world.learner.id_number not in body and "陈**" in body  # masked in lists
    stored = center.get(URL, query_string={"period": "year", "value": month[:4], "dimension": "stage",
                                           "measure": "stored"}).get_data(as_text=True)
    assert "data-report-error" in stored and "<tr data-key" not in stored


def test_export_through_the_job_and_refresh(ledger_world, converted, client_as):
    center = client_as(ledger_world.center)
    month = _month(converted)
    query = f"?period=quarter&value={month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}&dimension=institution&measure=stored"
    response = factories.export(center, URL + "export/" + query,
                                {"code": sms.issue_code(ledger_world.center.phone, SmsPurpose.EXPORT)})
    rows = read_xlsx(response.data)
    assert rows[0][:4] == ["机构", "成果入库数", "已认定成果", "申请"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["B学院"][8] == 3 and by_name["B学院"][6] == 100
    assert AuditLog.get(AuditLog.action == "export").details["rows"] == len(rows) - 1
    builds = ReportBuild.select().count()
    assert center.post(URL + "refresh/" + query).status_code == 302
    assert ReportBuild.select().count() == builds + 1  # the job ran (at once in tests)


@pytest.mark.parametrize("role", [Role.LEARNER, Role.REVIEWER, Role.COMMITTEE, Role.INSTITUTION, Role.SUBUSER])
def test_only_center_staff_open_reports(ledger_world, converted, client_as, role):
    client = client_as(role)
    month = _month(converted)
    args = f"?period=month&value={month}&dimension=institution&measure=credits&key={ledger_world.b.id}"
    for path in ("", "records/", "export/"):
        response = client.get(URL + path + args)
        assert response.status_code in (302, 403, 404), (role, path)
        assert "B学院" not in response.get_data(as_text=True)
    assert client.post(URL + "refresh/").status_code in (302, 403, 404)
    assert ReportBuild.select().count() == 1
    assert client_as(Role.CENTER).get(URL + args).status_code == 200


def test_refresh_says_so_when_the_queue_is_down(ledger_world, converted, client_as, monkeypatch):
    """立即更新 with the queue down: no 500 and no false promise; the figures stay as built."""
    from services.background import queue

    def down(*args):
        raise queue.QueueUnavailable("ConnectionError: Redis is down")

    monkeypatch.setattr(queue, "enqueue", down)
    center = client_as(ledger_world.center)
    builds = ReportBuild.select().count()
    page = center.post(URL + "refresh/", follow_redirects=True)
    assert page.status_code == 200 and "后台任务队列暂无响应" in page.get_data(as_text=True)
    assert ReportBuild.select().count() == builds


def test_the_consumer_rebuilds_every_reports_every_minutes(tmp_path):
    """The periodic rebuild is registered by name with the consumer's other tasks, on the
    schedule ``REPORTS_EVERY_MINUTES`` sets when the consumer starts."""
    import os
    import subprocess
    import sys

    script = (
        "import datetime as dt, tasks\n"
        "from services.background import queue\n"
        "assert {'rebuild_reports', 'rebuild_reports_now'} <= set(queue.registered())\n"
        "[task] = [t for t in queue.huey._registry.periodic_tasks if t.name == 'rebuild_reports']\n"
        "print([m for m in range(60) if task.validate_datetime(dt.datetime(2026, 3, 1, 8, m))])\n"
    )
    env = {**os.environ, "REPORTS_EVERY_MINUTES": "15", "HUEY_SQLITE": str(tmp_path / "huey.db")}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[0, 15, 30, 45]"
