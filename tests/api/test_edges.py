"""The API at its edges, as the audit probed it: every answer a 4xx in JSON with a reason
(never a 500, never an HTML page), the body limit on chunked bodies too, authorisation
before validation, and responses exactly as the OpenAPI document describes them."""
import datetime as dt
import io
import json
import re

import pytest

from tests.api.conftest import bearer

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def assert_json_error(response, status):
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json", response.data[:300]
    body = response.get_json()
    assert body["code"] == status and body["message"], body
    return body


@pytest.mark.parametrize("query", ["/api/v1/applications?submitted_to=9999-12-31",
                                   "/api/v1/applications?submitted_from=0001-01-01&submitted_to=9999-12-31",
                                   "/api/v1/records?decided_to=9999-12-31"])
def test_the_last_possible_day_is_a_date_like_any_other(app, world, query):
    response = app.test_client().get(query, headers=bearer(world.a.read))
    assert response.status_code == 200 and "items" in response.get_json()


@pytest.mark.parametrize("query, field, status", [
    ("/api/v1/applications?cursor=" + str(2**70), "cursor", 400),  # beyond 64 bits: refused before any view
    ("/api/v1/applications?cursor=" + str(2**40), "cursor", 422),
    ("/api/v1/rules?institution_id=" + str(2**40), "institution_id", 422),
    ("/api/v1/records?decided_from=2025-02-30", "decided_from", 422)])
def test_out_of_range_query_values_are_refused_with_a_reason(app, world, query, field, status):
    body = assert_json_error(app.test_client().get(query, headers=bearer(world.a.read)), status)
    assert field in json.dumps(body.get("errors")) + body["message"], body


@pytest.mark.parametrize("path, cursor", [("/api/v1/applications", "9999999999999999.9999999999"),
                                          ("/api/v1/records", "9999999999999999.9999999999"),
                                          ("/api/v1/rules", "9999999999")])
def test_a_cursor_past_every_row_reads_from_the_first(app, world, path, cursor):
    """A position later than any a row can have — a time past 9999 or an id past the
    column's range, a parameter of the column's type in a kept statement — is the end of
    that range: every row is before it, as on the first page."""
    client = app.test_client()
    first = client.get(f"{path}?limit=100", headers=bearer(world.a.read))
    past = client.get(f"{path}?limit=100&cursor={cursor}", headers=bearer(world.a.read))
    assert past.status_code == 200, past.data[:300]
    assert past.get_json()["items"] == first.get_json()["items"] and first.get_json()["items"]


def test_an_id_beyond_the_database_is_refused_with_a_reason(app, world):
    response = app.test_client().post("/api/v1/achievements", headers=bearer(world.a.write), json={
        "items": [{"catalogue_achievement_id": 2**70, "real_name": "张三", "personal_code": "P-1"}]})
    body = assert_json_error(response, 422)
    assert "catalogue_achievement_id" in json.dumps(body["errors"])


def test_a_body_nested_thousands_deep_is_refused(app, world):
    body = '{"items": ' + "[" * 5000 + "]" * 5000 + "}"
    response = app.test_client().post("/api/v1/achievements", data=body, content_type="application/json",
                                      headers=bearer(world.a.write))
    assert "嵌套" in assert_json_error(response, 400)["message"]  # nested too deeply


def test_a_chunked_body_over_the_limit_is_refused_before_it_is_read(app, world):
    items = [{"catalogue_achievement_id": world.a.catalogue_achievement.id, "real_name": "x" * 100}] * 20000
    payload = json.dumps({"items": items}).encode()
    assert len(payload) > 2 * 1024 * 1024
    response = app.test_client().post(
        "/api/v1/achievements", input_stream=io.BytesIO(payload),
        headers={**bearer(world.a.write), "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert_json_error(response, 413)


def test_every_status_under_the_api_is_json(app, world):
    client = app.test_client()
    wrong_method = client.get("/api/v1/achievements", headers=bearer(world.a.read))
    assert_json_error(wrong_method, 405)
    assert "POST" in wrong_method.headers["Allow"]
    assert_json_error(client.get("/api/v1/nothing-here", headers=bearer(world.a.read)), 404)
    assert_json_error(client.get("/api/v2/applications"), 404)
    assert_json_error(client.post("/api/v1/achievements", data="{not json", content_type="application/json",
                                  headers=bearer(world.a.write)), 400)


def test_a_read_token_is_refused_before_its_body_is_looked_at(app, world):
    client = app.test_client()
    for body in ({"items": []}, {"items": "nonsense"}, None):
        response = client.post("/api/v1/achievements", json=body, headers=bearer(world.a.read))
        assert_json_error(response, 403)


def test_numbers_are_numbers_and_date_times_carry_their_offset(app, world):
    client = app.test_client()
    rules = client.get("/api/v1/rules", headers=bearer(world.a.read)).get_json()["items"]
    catalogue_achievements = [side for rule in rules for side in rule["sources"] + rule["targets"]]
    assert catalogue_achievements and all(catalogue_achievement["credits"] is None
                                          or isinstance(catalogue_achievement["credits"], int | float)
                                          for catalogue_achievement in catalogue_achievements)
    records = client.get("/api/v1/records", headers=bearer(world.a.read)).get_json()["items"]
    stamps = [record["decided_at"] for record in records] + [record["submitted_at"] for record in records] + \
        [review["created_at"] for record in records for review in record["reviews"]]
    assert stamps and all(RFC3339.match(stamp) for stamp in stamps), stamps
    decided = dt.datetime.fromisoformat(records[0]["decided_at"])
    assert decided == dt.datetime(2025, 5, 2, 10, 0).astimezone()  # the same instant, its offset said


def test_the_document_names_its_server_security_and_every_error(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["servers"] == [{"url": "http://localhost", "description": "this installation"}]
    assert document["components"]["securitySchemes"]["bearerAuth"]["type"] == "http"
    for path, item in document["paths"].items():
        for method, operation in item.items():
            expected = {"200", "400", "401", "413", "422", "429"} | ({"403", "409"} if method == "post" else set())
            assert expected <= set(operation["responses"]), (method, path)
            assert "Retry-After" in operation["responses"]["429"]["headers"]
    date_time = document["components"]["schemas"]["Application"]["properties"]["submitted_at"]
    assert date_time["format"] == "date-time"
    assert document["components"]["schemas"]["CatalogueAchievement"]["properties"]["credits"]["type"] == "number"
    assert document["components"]["schemas"]["PushItem"]["properties"]["catalogue_achievement_id"]["maximum"] == 2**31 - 1
