"""The center's audit log in words: the action's label, the object's
kind and the details as labelled fields — not codes, class names or Python dicts."""
import io
import pathlib
import re

import openpyxl

import migrations
from models import AuditLog, SchemaVersion, SmsPurpose
from services.core import audit, database
from services.messaging import sms
from tests import factories


def _entries(center):
    AuditLog.create(user=center.user, action="rule_published", object_type="ConversionRule", object_id=12)
    AuditLog.create(user=center.user, action="review_initial", object_type="Application", object_id=3,
                    details={"decision": "disagree", "opinion": "材料不全"})
    AuditLog.create(user=center.user, action="subuser_changed", object_type="User", object_id=4,
                    details={"permissions": ["achievements", "messages"]})


def test_audit_log_shows_actions_objects_and_details_in_words(center):
    _entries(center)
    page = center.get("/admin/audit_log/").get_data(as_text=True)
    body = page.split("</thead>")[1].split("</table>")[0]
    for word in ("发布转换规则", "转换规则", "转换初审", "审核结果：", "不同意", "审核意见：", "材料不全",
                 "机构成果、我的消息"):
        assert word in body, word
    for raw in ("rule_published", "ConversionRule", "{'", "disagree", "review_initial", "#12"):
        assert raw not in body, raw


def test_audit_log_filter_offers_actions_by_name(center):
    _entries(center)
    page = center.get("/admin/audit_log/?flt0_1=rule_published").get_data(as_text=True)
    body = page.split("</thead>")[1].split("</table>")[0]
    assert "发布转换规则" in body and "材料不全" not in body
    assert ">发布转换规则</option>" in page.replace('"', "'").replace("' selected>", "'>") or "发布转换规则" in page


def test_audit_log_export_is_in_words(center):
    _entries(center)
    code = sms.issue_code(center.user.phone, SmsPurpose.EXPORT)
    response = factories.export(center, "/admin/audit_log/export/", {"code": code})
    cells = [str(c) for row in openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)
             for c in row if c is not None]
    assert "发布转换规则" in cells and "转换规则" in " ".join(cells)
    assert any("审核结果：不同意" in c and "审核意见：材料不全" in c for c in cells)
    assert not any("rule_published" in c or "{'" in c for c in cells)


def recorded_actions(source):
    """The action codes ``source`` writes with ``audit.record("code", …)``."""
    return set(re.findall(r'audit(?:_log)?\.record\(\s*"([a-z_]+)"\s*[,)]', source))


def test_every_recorded_action_has_words():
    """Each action the code writes has a label (so no raw code reaches the log)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    written = set()
    for folder in ("app", "admin", "services", "web", "views"):
        for path in (root / folder).rglob("*.py"):
            written |= recorded_actions(path.read_text(encoding="utf-8"))
    assert len(written) > 20  # the scan really reads the code
    assert written - set(audit.ACTIONS) == set()


def test_a_planted_action_without_words_is_reported():
    """Test of the test: an action recorded by a planted module, with no words in
    ``audit.ACTIONS``, is what the check above reports."""
    planted = 'def f(row):\n    audit.record("planted_secret_move", row, user=None)\n'
    assert recorded_actions(planted) - set(audit.ACTIONS) == {"planted_secret_move"}


def test_audit_details_page_is_in_words_and_skips_empty_fields(center):
    entry = AuditLog.create(user=center.user, action="institution_approved", object_type="Institution", object_id=4,
                            details={"name": "广东开放大学", "reason": None})
    page = center.get(f"/admin/audit_log/details/?id={entry.id}").get_data(as_text=True)
    # The record by its kind and name, never by "#4".
    assert "机构注册审核通过" in page and "机构：广东开放大学" in page and "名称：" in page and "#4" not in page
    assert "原因：" not in page and "institution_approved" not in page


def test_migration_30_names_the_user_of_older_avatar_entries(app):
    """Entries written with current_user's proxy kept "LocalProxy" as their object's type;
    from version 29 they name the user (the list shows 用户)."""
    learner = factories.make_learner()
    entry = AuditLog.create(action="avatar_changed", object_type="LocalProxy", object_id=learner.id)
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=29)
    assert database.init_db() == migrations.LATEST
    assert AuditLog.get_by_id(entry.id).object_type == "User"
