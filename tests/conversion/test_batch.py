"""申请转换 (seed 004 §2.3.2): an institution batch-applies under another's rule for its
learners holding the source — some, or none ticked = all matching the filter; learners
who already applied are skipped and counted; the batch is built set-based."""
import re

import pytest

from bench.batch import counted_queries
from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    AuditLog,
    ConversionBatch,
    Message,
    RuleStatus,
    db,
)
from services import ledger
from tests import factories
from tests.conversion.conftest import holders


def apply_url(rule):
    return f"/admin/inst_batch/apply/{rule.id}/"


def batch_learners(batch=None):
    query = Application.select().where(Application.kind == ApplicationKind.BATCH)
    if batch is not None:
        query = query.where(Application.batch == batch)
    return sorted(a.learner.real_name for a in query)


def test_apply_page_lists_my_holders_masked_and_confirms_the_count(world, client_as):
    page = client_as(world.b.admin).get(apply_url(world.rule)).get_data(as_text=True)
    for achievement in world.b_holders:
        assert achievement.learner.real_name in page
        assert achievement.learner.id_number not in page  # masked
        assert achievement.learner.id_number[:6] + "*****" + achievement.learner.id_number[-4:] in page
    assert "根据列表中的查询条件，共选择学员4名，您确定要全部发起成果转换申请吗？" in page
    assert world.a.learner.real_name not in page
    filtered = client_as(world.b.admin).get(apply_url(world.rule) + "?name=B学员0").get_data(as_text=True)
    assert "共选择学员3名" in filtered and "B学员01" in filtered


def test_none_ticked_applies_for_everyone_matching_the_filter(world, client_as):
    client = client_as(world.b.admin)
    response = client.post(apply_url(world.rule) + "?name=B学员0", data={}, follow_redirects=True)
    assert response.status_code == 200
    assert batch_learners() == ["B学员01", "B学员02", "B学员03"]
    batch = ConversionBatch.get()
    assert (batch.institution_id, batch.rule_id, batch.created_by_id) == (world.b.institution.id, world.rule.id,
                                                                          world.b.admin.id)
    assert "已为3名学员发起成果转换申请" in response.get_data(as_text=True)
    assert all(a.status == ApplicationStatus.PENDING for a in Application.select())
    assert AuditLog.select().where(AuditLog.action == "batch_submitted").count() == 1


def test_ticked_learners_only(world, client_as):
    chosen = world.b_holders[1:3]
    client_as(world.b.admin).post(apply_url(world.rule), data={"ids": [a.id for a in chosen]})
    assert batch_learners() == ["B学员01", "B学员02"]


def test_open_applications_are_skipped_and_counted(world, client_as):
    client = client_as(world.b.admin)
    client.post(apply_url(world.rule), data={"ids": [world.b_holders[1].id]})
    # The learner's own conversion under the same rule is open too.
    learner = world.b_holders[2].learner
    Application.create(kind=ApplicationKind.CONVERSION, learner=learner, achievement=world.b_holders[2],
                       rule=world.rule, status=ApplicationStatus.INITIAL_PASSED)
    response = client.post(apply_url(world.rule), data={}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "已为2名学员发起成果转换申请" in body
    assert "2名学员已有该规则的转换申请，已跳过" in body
    second = ConversionBatch.select().order_by(ConversionBatch.id.desc()).first()
    assert batch_learners(second) == ["B学员", "B学员03"]
    # Everyone applied: nothing new, and no empty batch is left behind.
    again = client.post(apply_url(world.rule), data={}, follow_redirects=True).get_data(as_text=True)
    assert "所选学员均已按本规则申请转换" in again
    assert ConversionBatch.select().count() == 2


def test_a_refused_application_may_be_applied_for_again(world):
    batch = ledger.submit_batch(world.b.institution, world.rule, world.b_holders[:1], world.b.admin)
    ledger.review_batch(batch, world.a.admin, False, "材料不全")
    again = ledger.submit_batch(world.b.institution, world.rule, world.b_holders[:1], world.b.admin)
    assert again.created == 1 and again.skipped == 0


@pytest.mark.parametrize("which", ["own", "draft", "withdrawn", "unrelated", "missing"])
def test_only_other_institutions_published_rules_with_my_source(world, client_as, which):
    """A rule of my own, an unpublished one, one whose source is not mine: 404, nothing created."""
    rule = {
        "own": world.mirror,  # B's own rule
        "draft": factories.make_rule([world.b.catalogue_achievement], [world.course], institution=world.a.institution,
                                     status=RuleStatus.DRAFT),
        "withdrawn": factories.make_rule([world.b.catalogue_achievement], [world.course],
                                         institution=world.a.institution, status=RuleStatus.WITHDRAWN),
        "unrelated": factories.make_rule([factories.make_catalogue()], [world.course], institution=world.a.institution),
        "missing": type("R", (), {"id": 99999})(),
    }[which]
    client = client_as(world.b.admin)
    assert client.get(apply_url(rule)).status_code == 404
    assert client.post(apply_url(rule), data={}).status_code == 404
    assert Application.select().count() == 0


def test_only_my_learners_holding_my_source(world, client_as):
    """Forged ids (A's learner, a B learner whose source was stored by someone else) are left out."""
    stray = factories.make_learner(real_name="他人存储学员")
    foreign = factories.make_achievement(stray, world.b.catalogue_achievement, stored_by=world.a.institution)
    client = client_as(world.b.admin)
    assert "他人存储学员" not in client.get(apply_url(world.rule)).get_data(as_text=True)
    client.post(apply_url(world.rule), data={"ids": [world.a.stored.id, foreign.id]})
    assert Application.select().count() == 0
    client.post(apply_url(world.rule), data={"ids": [world.a.stored.id, foreign.id, world.b_holders[1].id]})
    assert batch_learners() == ["B学员01"]
    with pytest.raises(ledger.Refused):
        ledger.submit_batch(world.b.institution, world.rule, [foreign], world.b.admin)
    with pytest.raises(ledger.Refused):  # A's admin applying in B's name
        ledger.submit_batch(world.b.institution, world.rule, world.b_holders, world.a.admin)


def test_the_rules_institution_is_told_where_to_review(world, client_as):
    client_as(world.b.admin).post(apply_url(world.rule), data={})
    batch = ConversionBatch.get()
    message = Message.select().where(Message.user == world.a.admin).order_by(Message.id.desc()).first()
    assert message.link == f"/admin/inst_conv_batches/review/{batch.id}/"
    assert "4名学员" in message.body and world.rule.code in message.body
    opened = client_as(world.a.admin).get(f"/admin/inst_messages/open/?id={message.id}")
    assert opened.headers["Location"].endswith(message.link)


def test_batch_is_set_based(world):
    """The number of queries building a batch does not grow with its learners."""
    counts = []
    for size, prefix in ((2, "小批"), (40, "大批")):
        catalogue_achievement = factories.make_catalogue("course", institution=world.b.institution)
        rule = factories.make_rule([catalogue_achievement], [world.course], institution=world.a.institution)
        space = type("S", (), {"institution": world.b.institution, "catalogue_achievement": catalogue_achievement})
        holders(space, size, prefix)
        with counted_queries(db.obj) as statements:
            batch = ledger.submit_batch(world.b.institution, rule, ledger.batch_holders(world.b.institution.id,
                                                                                           rule.id), world.b.admin)
        assert batch.created == size
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_list_says_who_already_applied(world, client_as):
    """批量选择学员 shows each learner's application under the rule (申请状态), so the
    learners 申请转换 will skip are not a surprise."""
    client = client_as(world.b.admin)
    first = world.b_holders[1]
    client.post(apply_url(world.rule), data={"ids": [first.id]})
    page = client.get(apply_url(world.rule)).get_data(as_text=True)
    assert "申请状态" in page
    states = dict(re.findall(r'<tr data-learner="([^"]+)">.*?data-applied="[^"]*">([^<]*)<', page, re.S))
    assert states[first.learner.real_name].strip() == "待审核"
    assert {states[a.learner.real_name].strip() for a in world.b_holders if a.id != first.id} == {"未申请"}
