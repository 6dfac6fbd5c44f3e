"""转换记录 (seed 004 §2.4.2): 机构接收 / 机构发起 with counts, filters, 审核记录, export."""
import pytest

from models import Application, ApplicationStatus, AuditLog
from services import ledger
from tests import factories
from tests.institution.test_access import exported_cells, fresh_export_code

STATUS = "flt4_4"
NAME = "flt2_2"


@pytest.fixture
def decided(world):
    batch = ledger.submit_batch(world.b.institution, world.rule, world.b_holders, world.b.admin)
    apps = list(Application.select().where(Application.batch == batch).order_by(Application.id))
    ledger.review_batch(batch, world.a.admin, True, "", [apps[0].id, apps[1].id])
    ledger.review_batch(batch, world.a.admin, False, "材料不全", [apps[2].id])
    return apps


def test_both_sides_see_the_statuses(world, decided, client_as):
    received = client_as(world.a.admin).get("/admin/inst_records/").get_data(as_text=True)
    initiated = client_as(world.b.admin).get("/admin/inst_records_out/").get_data(as_text=True)
    for page in (received, initiated):
        assert page.count("审核通过") >= 2 and "审核不通过" in page and "待审核" in page
        assert "B学员01" in page and world.rule.code in page
        assert world.b_holders[1].learner.id_number not in page
    assert 'data-tab="inst_records" href="/admin/inst_records/">机构接收 (<span data-count>4<' in received
    # B received nothing, A initiated nothing.
    assert "B学员01" not in client_as(world.b.admin).get("/admin/inst_records/").get_data(as_text=True)
    assert "B学员01" not in client_as(world.a.admin).get("/admin/inst_records_out/").get_data(as_text=True)


def test_filter_by_status_and_name(world, decided, client_as):
    client = client_as(world.a.admin)
    refused = client.get(f"/admin/inst_records/?{STATUS}={ApplicationStatus.REFUSED}").get_data(as_text=True)
    assert "B学员02" in refused and "B学员01" not in refused
    named = client.get(f"/admin/inst_records/?{NAME}=B学员03").get_data(as_text=True)
    assert "B学员03" in named and "B学员02" not in named


def test_review_history(world, decided, client_as):
    for client, url in ((client_as(world.a.admin), "/admin/inst_records/"),
                        (client_as(world.b.admin), "/admin/inst_records_out/")):
        page = client.get(f"{url}history/?id={decided[2].id}").get_data(as_text=True)
        assert "材料不全" in page and "不同意" in page and "机构发起审核" in page and "A管理员" in page
        assert 'data-record="disagree"' in page
        assert "暂无审核记录" in client.get(f"{url}history/?id={decided[3].id}").get_data(as_text=True)


def test_export_received_after_sms_code(world, decided, client_as):
    client = client_as(world.a.admin)
    assert factories.export(client, "/admin/inst_records/export/", {"code": "123456"}).status_code == 400
    assert not AuditLog.select().where(AuditLog.action == "export").exists()
    response = factories.export(client, f"/admin/inst_records/export/?{STATUS}={ApplicationStatus.PASSED}",
                                {"code": fresh_export_code(world.a.admin)})
    cells = exported_cells(response)
    assert cells[:3] == ["规则编码", "学员姓名", "身份证号"]
    assert "B学员" in cells and "B学员01" in cells and "B学员02" not in cells
    assert "审核通过" in cells and "A课程：经济学基础" in cells
    entry = AuditLog.get(AuditLog.action == "export")
    assert entry.details["view"] == "inst_records" and entry.details["rows"] == 2
