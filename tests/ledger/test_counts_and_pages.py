"""Do counts and pages reconcile with the records they count?"""
from models import Application, ConversionRule, Institution, InstitutionStatus, RuleStatus
from services import ledger
from services.ledger import rule_versions, rules
from tests import factories
from tests.ledger.conftest import convert


def test_rule_counts_leave_earlier_versions_out(ledger_world, client_as):
    w = ledger_world
    links = rules.rule_links([w.rule.id])[w.rule.id]
    rules.update_rule(w.rule, w.b_admin, [(s.catalogue, s.credits) for s in links["sources"]],
                      [(t.catalogue, t.modules) for t in links["majors"] + links["courses"] + links["non_degree"]],
                      description="证书须在三年内取得")
    assert ConversionRule.select().where(ConversionRule.institution == w.b).count() == 3  # with version 1
    page = client_as(w.b_admin).get("/admin/").get_data(as_text=True)
    counts = {key: page.split(f'data-count="{key}"')[1].split(">")[1].split("<")[0]
              for key in ("rules", "rules_draft", "rules_published", "rules_withdrawn")}
    assert counts == {"rules": "2", "rules_draft": "0", "rules_published": "2", "rules_withdrawn": "0"}


def test_the_center_sees_pending_registrations_apart_from_batch_reviews(ledger_world, client_as):
    w = ledger_world
    Institution.update(status=InstitutionStatus.PENDING).where(Institution.id == w.a.id).execute()
    ledger.submit_batch(w.a, w.rule, [w.stored], w.a_admin)
    center = client_as(w.center)
    page = center.get("/admin/").get_data(as_text=True)
    assert 'data-count="registrations"' in page
    tile = page.split('data-count="registrations"')[1]
    assert tile.split(">")[1].split("<")[0] == "1" and "待审核的机构注册" in tile
    assert 'data-stage="batch">1<' in page and "机构发起审核" in page
    link = page.split('data-count="registrations" href="')[1].split('"')[0].replace("&amp;", "&")
    listing = center.get(link).get_data(as_text=True)
    assert "A学院" in listing and "B学院" not in listing


def test_a_withdrawn_rule_page_says_so_and_links_the_version_in_force(ledger_world, client):
    w = ledger_world
    links = rules.rule_links([w.rule.id])[w.rule.id]
    rules.update_rule(w.rule, w.b_admin, [(s.catalogue, s.credits) for s in links["sources"]],
                      [(t.catalogue, t.modules) for t in links["majors"] + links["courses"]])
    current = rule_versions.version_in_force(w.rule)
    assert current.id != w.rule.id
    taken_down = factories.make_rule([w.certificate], [w.module], institution=w.b, name="已下架规则")
    rules.take_down_rule(taken_down, w.b_admin)
    response = client.get(f"/rules/{taken_down.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "data-withdrawn" in page and "已下架" in page and "现不受理申请" in page
    old = client.get(f"/rules/{w.rule.id}").get_data(as_text=True)
    assert "data-superseded" in old and f'href="/rules/{current.id}"' in old
    draft = factories.make_rule([w.certificate], [w.module], institution=w.b, status=RuleStatus.DRAFT)
    assert client.get(f"/rules/{draft.id}").status_code == 404  # never published: not public


def test_the_certificate_code_is_minted_once_at_the_grant(ledger_world, client_as, client):
    w = ledger_world
    passed = convert(w, w.stored, w.rule)
    code = Application.get_by_id(passed.id).certificate_code
    assert code and len(code) == 16
    learner = client_as(w.learner)
    assert learner.get(f"/me/applications/{passed.id}/certificate.pdf").status_code == 200
    assert Application.get_by_id(passed.id).certificate_code == code
    assert "data-verified" in client.get(f"/verify/{code}").get_data(as_text=True)
    ledger.revoke_conversion(passed, w.center, "源成果不实")
    page = client.get(f"/verify/{code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "data-revoked" in text and "源成果不实" in text and "已撤销，撤销日期" in text
    assert learner.get(f"/me/applications/{passed.id}/certificate.pdf").status_code == 404
