"""GET /api/v1/applications, /records, /rules: scoped to the token's institution, filtered,
paged by cursor, with a number of queries that does not grow with the page."""
import datetime as dt

from models import ApplicationKind, ApplicationStatus
from tests import factories
from tests.api.conftest import bearer, make_application
from tests.queries import count_queries


def get(client, token, path):
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 200, response.data[:500]
    return response.get_json()


def ids(page):
    return sorted(item["id"] for item in page["items"])


def test_applications_are_the_institution_s_received_and_initiated(app, world):
    a, b, client = world.a, world.b, app.test_client()
    page = get(client, a.read, "/api/v1/applications")
    assert ids(page) == sorted([a.own.id, world.initiated.id, world.decided.id])
    by_id = {item["id"]: item for item in page["items"]}
    assert by_id[a.own.id]["direction"] == "received" and by_id[world.initiated.id]["direction"] == "initiated"
    own = by_id[a.own.id]
    assert own["rule"] == {"id": a.rule.id, "code": a.rule.code, "name": a.rule.name}
    assert own["targets"] == [a.target.name] and own["status"] == "pending" and own["status_label"] == "待审核"
    assert own["learner"]["name"] == a.learner.real_name
    assert own["learner"]["id_number"] != a.learner.id_number and "*" in own["learner"]["id_number"]  # masked
    assert own["source"]["personal_code"] == "A-X001"
    # B sees its own and A's batch under its rule (received), never A's learners' under A's rules.
    assert ids(get(client, b.read, "/api/v1/applications")) == sorted([b.own.id, world.initiated.id,
                                                                       world.refused_b.id])
    assert ids(get(client, a.read, "/api/v1/applications?direction=received")) == sorted([a.own.id, world.decided.id])
    assert ids(get(client, a.read, "/api/v1/applications?direction=initiated")) == [world.initiated.id]
    assert ids(get(client, a.read, "/api/v1/applications?status=passed")) == [world.decided.id]
    assert ids(get(client, a.read, "/api/v1/applications?submitted_from=2025-05-01&submitted_to=2025-05-01")) == [
        world.decided.id]
    bad = client.get("/api/v1/applications?status=nope&limit=500", headers=bearer(a.read))
    assert bad.status_code == 422 and set(bad.get_json()["errors"]["query"]) == {"status", "limit"}


def test_records_are_decided_applications_with_their_reviews(app, world):
    a, b, client = world.a, world.b, app.test_client()
    page = get(client, a.read, "/api/v1/records")
    assert ids(page) == [world.decided.id]
    record = page["items"][0]
    assert record["certificate_code"] == "CERTA0001" and record["status"] == "passed"
    assert [(r["stage"], r["decision"], r["opinion"]) for r in record["reviews"]] == [
        ("initial", "agree", "初审同意"), ("final", "agree", "终审同意")]
    assert ids(get(client, b.read, "/api/v1/records")) == [world.refused_b.id]
    assert ids(get(client, b.read, "/api/v1/records?result=passed")) == []
    assert ids(get(client, a.read, "/api/v1/records?decided_from=2025-05-03")) == []
    assert ids(get(client, a.read, "/api/v1/records?decided_to=2025-05-02")) == [world.decided.id]


def test_the_rule_catalogue_lists_published_rules_of_every_institution(app, world):
    a, b, client = world.a, world.b, app.test_client()
    page = get(client, b.read, "/api/v1/rules")
    assert ids(page) == sorted([a.rule.id, b.rule.id, world.rule_b_from_a.id])  # drafts are not public
    rule = next(item for item in page["items"] if item["id"] == a.rule.id)
    assert rule["institution"] == {"id": a.institution.id, "name": a.institution.name}
    assert [s["name"] for s in rule["sources"]] == ["会计专业技术资格"] and rule["sources"][0]["credits"] == 2.0
    assert [t["name"] for t in rule["targets"]] == [a.target.name]
    assert ids(get(client, a.read, f"/api/v1/rules?institution_id={b.institution.id}")) == sorted(
        [b.rule.id, world.rule_b_from_a.id])


def test_pages_follow_the_cursor_and_cost_the_same_whatever_their_size(app, world):
    a, client = world.a, app.test_client()
    exam_holding = a.own.achievement
    for n in range(12):
        learner = factories.make_learner()
        make_application(learner, exam_holding, a.rule, ApplicationKind.CONVERSION,
                         status=ApplicationStatus.PASSED if n % 2 else ApplicationStatus.REFUSED,
                         decided_at=dt.datetime(2025, 7, 1))
        factories.make_rule([world.exam], [a.target], institution=a.institution)
    # Newest first: applications by submission, records by decision, rules by id (ties by id).
    for path, total, key in (("/api/v1/applications", 15, "submitted_at"), ("/api/v1/records", 13, "decided_at"),
                             ("/api/v1/rules", 15, None)):
        seen, cursor = [], None
        while True:
            page = get(client, a.read, f"{path}?limit=4" + (f"&cursor={cursor}" if cursor else ""))
            seen += [(item[key] if key else "", item["id"]) for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == total and seen == sorted(seen, reverse=True) and len(set(seen)) == total, path
        with count_queries() as small:
            assert len(get(client, a.read, f"{path}?limit=2")["items"]) == 2
        with count_queries() as large:
            assert len(get(client, a.read, f"{path}?limit=12")["items"]) == 12
        assert small["n"] == large["n"] <= 10, (path, small, large)
