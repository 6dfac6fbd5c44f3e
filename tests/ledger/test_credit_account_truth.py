"""Does 学分账户 agree with the application list, for a learner with applications in every state?"""
from decimal import Decimal

from models import Application, ApplicationStatus
from services import ledger
from services.ledger import pathways
from tests import factories
from tests.ledger.conftest import convert

STATES = ("none", "pending", "initial_passed", "passed", "refused", "withdrawn", "revoked")
EXPECTED = {"none": "open", "pending": "applied", "initial_passed": "applied", "passed": "converted",
            "refused": "open", "withdrawn": "open", "revoked": "revoked"}


def build(w):
    """One rule per state, each converting its own source into a course of 1..7 credits."""
    rules = {}
    for credits, state in enumerate(STATES, start=1):
        source = factories.make_catalogue("training", name=f"来源证书-{state}")
        target = factories.make_catalogue("course", institution=w.b, name=f"目标课程-{state}", credits=credits)
        rule = factories.make_rule([source], [target], institution=w.b, name=f"规则-{state}")
        held = factories.make_achievement(w.learner, source)
        rules[state] = rule
        if state == "none":
            continue
        if state in ("passed", "revoked"):
            application = convert(w, held, rule)
            if state == "revoked":
                ledger.revoke_conversion(application, w.center, "误审")
            continue
        application = ledger.submit_conversion(held, rule, w.learner)
        if state == "initial_passed":
            ledger.initial_review(application, w.reviewer, True, "同意")
        elif state == "refused":
            ledger.initial_review(application, w.reviewer, False, "材料不全")
        elif state == "withdrawn":
            ledger.withdraw_application(application, w.learner)
    # And a rule of two sources, only one held.
    missing = factories.make_catalogue("training", name="未持有证书")
    held = factories.make_catalogue("training", name="已持有证书")
    factories.make_achievement(w.learner, held)
    partial = factories.make_rule([held, missing], [factories.make_catalogue("course", institution=w.b, credits=9)],
                                  institution=w.b, name="规则-partial")
    return rules, partial


def test_every_pathway_state_and_the_totals_reconcile(ledger_world, client_as):
    w = ledger_world
    rules, partial = build(w)
    result = pathways.pathways(w.learner.id, size=20)
    states = {rule.id: rule.state for rule in result.page.items}
    assert {state: states[rule.id] for state, rule in rules.items()} == EXPECTED
    assert states[partial.id] == "partial"
    assert states[w.rule.id] == "open"  # the world's own rule: its certificate is held, never applied with
    # Only open pathways count as 可申请, with their target credits: none(1) + refused(5) +
    # withdrawn(6) + the world's rule(3).
    assert result.open == 4
    (name, _major, count, open_count, ready, _all), = result.totals
    assert (name, count, open_count, Decimal(ready)) == ("B学院", 9, 4, Decimal(15))
    # The application list says the same: a standing application per non-open pathway.
    standing = {a.rule_id: a.status for a in Application.select().where(
        Application.learner == w.learner, Application.status.in_(pathways.STANDING_APPLICATION))}
    assert {state for state, rule in rules.items() if rule.id in standing} == {
        "pending", "initial_passed", "passed", "revoked"}
    assert standing[rules["revoked"].id] == ApplicationStatus.REVOKED
    # The credit account holds the passed target's 4 credits, not the revoked one's 7: the
    # eight held sources of 2 credits, the world's certificate of 4, and that target.
    account = pathways.credit_account(w.learner.id)
    assert Decimal(account["total"]) == 8 * 2 + 4 + 4
    page = client_as(w.learner).get("/me/credits").get_data(as_text=True)
    for state, expected in EXPECTED.items():
        card = page.split(f'data-pathway="{rules[state].id}"')[1].split("data-pathway=")[0]
        assert f'data-pathway-state="{expected}"' in card
        assert ("data-apply" in card) == (expected == "open"), state
    assert "已申请·待审核" in page and "已转换" in page and "已撤销" in page and "可申请" in page


def test_the_apply_dialog_offers_only_rules_still_usable(ledger_world, client_as):
    w = ledger_world
    second = factories.make_rule([w.certificate], [factories.make_catalogue("course", institution=w.b)],
                                 institution=w.b, name="证书转第二门课")
    convert(w, w.stored, w.rule)
    form = client_as(w.learner).get(f"/me/conversions/{w.stored.id}/apply").get_data(as_text=True)
    assert f'value="{second.id}"' in form and f'value="{w.rule.id}"' not in form
    assert [r.id for r in ledger.usable_rules(w.stored)] == [second.id]
