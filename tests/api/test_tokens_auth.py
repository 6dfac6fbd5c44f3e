"""Bearer tokens on every /api/v1/ endpoint: none, a wrong one, a revoked one, a disabled
institution's and a logged-in session's cookie alone all get 401 in JSON (never a login
redirect); a read token cannot write; the rate limit answers 429 with Retry-After; each
authenticated call leaves one audit row; tokens are kept as hashes only."""
import datetime as dt
import hashlib
import threading

import pytest

from models import ApiToken, AuditLog, Institution, InstitutionStatus, LearnerAchievement, ThrottlePace, db
from services.accounts import api_tokens, throttle
from tests import factories
from tests.api.conftest import api_endpoints, bearer

PUSH_BODY = {"items": [{"catalogue_achievement_id": 1, "real_name": "x", "id_number": "1", "personal_code": "p",
                        "obtained_on": "2024-01-01"}]}


def call(client, method, path, headers=None):
    if method == "POST":
        return client.post(path, json=PUSH_BODY, headers=headers or {})
    return client.get(path, headers=headers or {})


def assert_401(response):
    assert response.status_code == 401, response.data[:300]
    assert response.mimetype == "application/json" and "Location" not in response.headers
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["code"] == 401


def test_the_api_has_the_four_endpoints(app):
    assert api_endpoints(app) == [("GET", "/api/v1/applications"), ("GET", "/api/v1/records"),
                                  ("GET", "/api/v1/rules"), ("POST", "/api/v1/achievements")]


def test_every_endpoint_refuses_calls_without_a_valid_token(app, world, client_as):
    client = app.test_client()
    revoked = world.a.read
    assert api_tokens.revoke(world.a.read_row.id, world.a.institution.id, world.a.admin)
    wrong_headers = [
        None,
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer cbk_" + "x" * 43},
        {"Authorization": world.a.write},  # no scheme
        {"Authorization": "Basic " + world.a.write},
        {"Authorization": "Bearer " + world.a.write[:-1]},  # one character short
        {"Authorization": "Bearer " + hashlib.sha256(world.a.write.encode()).hexdigest()},  # the stored hash
        bearer(revoked),
    ]
    before = LearnerAchievement.select().count()
    for method, path in api_endpoints(app):
        for headers in wrong_headers:
            assert_401(call(client, method, path, headers))
    # A logged-in session (the institution's own account, the center) is no credential here.
    for user in (world.a.admin, factories.make_user("center")):
        session_client = client_as(user)
        for method, path in api_endpoints(app):
            assert_401(call(session_client, method, path))
    assert LearnerAchievement.select().count() == before
    # Refused calls are not audited as API calls (nothing to attribute them to).
    assert not AuditLog.select().where(AuditLog.action == "api_call").exists()


def test_a_disabled_institution_s_tokens_stop_working(app, world):
    client = app.test_client()
    assert client.get("/api/v1/rules", headers=bearer(world.a.read)).status_code == 200
    Institution.update(status=InstitutionStatus.DISABLED).where(Institution.id == world.a.institution.id).execute()
    for method, path in api_endpoints(app):
        assert_401(call(client, method, path, bearer(world.a.write)))


def test_a_read_token_cannot_write_and_a_write_token_can_also_read(app, world):
    client = app.test_client()
    body = {"items": [{"catalogue_achievement_id": world.a.catalogue_achievement.id, "real_name": "新学员",
                       "id_number": factories.valid_id_number(901), "personal_code": "R-1",
                       "obtained_on": "2024-01-01"}]}
    before = LearnerAchievement.select().count()
    refused = client.post("/api/v1/achievements", json=body, headers=bearer(world.a.read))
    assert refused.status_code == 403 and refused.get_json()["code"] == 403
    assert LearnerAchievement.select().count() == before
    for path in ("/api/v1/applications", "/api/v1/records", "/api/v1/rules"):
        assert client.get(path, headers=bearer(world.a.read)).status_code == 200
        assert client.get(path, headers=bearer(world.a.write)).status_code == 200
    assert client.post("/api/v1/achievements", json=body, headers=bearer(world.a.write)).status_code == 200
    assert LearnerAchievement.select().count() == before + 1


def test_the_api_needs_no_csrf_token_and_sets_no_session(csrf_app, reference):
    admin = factories.make_user("institution")
    _row, token = api_tokens.create(admin.institution_id, "同步", "write", admin)
    catalogue_achievement = factories.make_catalogue("inst_he_diploma", institution=admin.institution)
    client = csrf_app.test_client()
    response = client.post("/api/v1/achievements", headers=bearer(token), json={"items": [
        {"catalogue_achievement_id": catalogue_achievement.id, "real_name": "张三",
         "id_number": factories.valid_id_number(902), "personal_code": "C-1", "obtained_on": "2024-02-01"}]})
    assert response.status_code == 200, response.data
    assert response.get_json()["accepted"] == 1
    assert "Set-Cookie" not in response.headers
    # CSRF is off for the API only: the site's forms still need their token.
    assert client.post("/login", data={"identifier": "x", "password": "y"}).status_code == 400


def test_tokens_are_stored_as_hashes_and_the_last_use_is_kept(app, world):
    row = ApiToken.get_by_id(world.a.write_row.id)
    assert row.token_hash == hashlib.sha256(world.a.write.encode()).hexdigest()
    assert row.hint == world.a.write[:12] and len(world.a.write) > 40
    stored = [value for (value,) in ApiToken.select(ApiToken.token_hash).tuples()]
    assert world.a.write not in stored and world.a.read not in stored
    assert row.last_used_at is None
    app.test_client().get("/api/v1/rules", headers=bearer(world.a.write))
    assert ApiToken.get_by_id(row.id).last_used_at is not None


def test_every_authenticated_call_leaves_one_audit_row(app, world):
    client = app.test_client()
    client.get("/api/v1/rules?limit=2", headers=bearer(world.a.read))
    client.post("/api/v1/achievements", json=PUSH_BODY, headers=bearer(world.a.read))  # 403
    client.post("/api/v1/achievements", headers=bearer(world.a.write), json={"items": [
        {"catalogue_achievement_id": world.a.catalogue_achievement.id, "real_name": "李四",
         "id_number": factories.valid_id_number(903), "personal_code": "L-1", "obtained_on": "2024-02-01"},
        {"catalogue_achievement_id": world.a.catalogue_achievement.id, "real_name": "", "id_number": "",
         "personal_code": "L-2", "obtained_on": ""}]})
    rows = list(AuditLog.select().where(AuditLog.action == "api_call").order_by(AuditLog.id))
    assert [(r.object_type, r.object_id, r.user_id) for r in rows] == [
        ("ApiToken", world.a.read_row.id, world.a.admin.id), ("ApiToken", world.a.read_row.id, world.a.admin.id),
        ("ApiToken", world.a.write_row.id, world.a.admin.id)]
    assert [(r.details["endpoint"], r.details["status"], r.details["count"]) for r in rows] == [
        ("api.rules", 200, 2), ("api.push_achievements", 403, 0), ("api.push_achievements", 200, 2)]


def test_the_rate_limit_answers_429_with_retry_after(app, world):
    app.config["API_RATE_LIMIT"] = 3
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/rules", headers=bearer(world.a.read)).status_code == 200
    refused = client.get("/api/v1/rules", headers=bearer(world.a.read))
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # The limit is per token: A's other token and B's still work.
    assert client.get("/api/v1/rules", headers=bearer(world.a.write)).status_code == 200
    assert client.get("/api/v1/rules", headers=bearer(world.b.read)).status_code == 200
    # Refused calls do not count: the wait does not grow by hammering.
    audited = AuditLog.select().where(AuditLog.action == "api_call", AuditLog.object_id == world.a.read_row.id)
    assert audited.count() == 3


def test_the_rate_limit_is_a_pace(app, world, monkeypatch):
    """3 calls a minute: three at once, then one every 20 seconds; a refused call waits
    the seconds until its turn and moves nothing; an idle token has its three again."""
    app.config["API_RATE_LIMIT"] = 3
    clock = [1_000_000.0]
    monkeypatch.setattr(throttle, "clock", lambda: clock[0])
    client = app.test_client()

    def status(after):
        clock[0] = 1_000_000.0 + after
        response = client.get("/api/v1/rules", headers=bearer(world.a.read))
        return response.status_code, response.headers.get("Retry-After")

    assert [status(0), status(0), status(1)] == [(200, None)] * 3
    assert status(1) == (429, "19")
    assert status(19.5) == (429, "1")
    assert status(20) == (200, None)
    assert status(25) == (429, "15")
    assert status(40) == (200, None)
    assert [status(1000) for _ in range(4)] == [(200, None)] * 3 + [(429, "20")]
    assert ThrottlePace.select().where(ThrottlePace.key == str(world.a.read_row.id)).count() == 1


def test_the_pace_holds_when_calls_race(app, monkeypatch):
    """Twelve calls together against a limit of five: exactly five get through, also when
    the key has no row yet (every caller inserts it, one row results). The calls share one
    moment: on a loaded machine the threads read the clock milliseconds apart, and a call
    stamped before the row's first (the fifth, exactly at the limit) is rightly early."""
    monkeypatch.setattr(throttle, "clock", lambda: 1_000_000.0)
    limit = throttle.Limit("api_token", 5, dt.timedelta(minutes=1))
    barrier = threading.Barrier(12)
    outcomes = []

    def call():
        with app.app_context(), db.connection_context():
            barrier.wait()
            try:
                throttle.pace(limit, "race")
                outcomes.append("through")
            except throttle.Throttled:
                outcomes.append("refused")

    threads = [threading.Thread(target=call) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["through"] * 5
    assert ThrottlePace.select().where(ThrottlePace.key == "race").count() == 1


@pytest.mark.parametrize("size_kb", [2])
def test_a_body_over_the_limit_is_refused(app, world, size_kb):
    app.config["API_MAX_BODY_KB"] = 1
    response = app.test_client().post(
        "/api/v1/achievements", headers=bearer(world.a.write),
        data=b'{"items": [' + b" " * (size_kb * 1024) + b"]}", content_type="application/json")
    assert response.status_code == 413 and response.get_json()["code"] == 413
