"""The API's lists dump through FastDump (views/api/dumping.py): every page of every list
is exactly what marshmallow's own dump of the same schema gives, on data of every shape
the lists return (decided, revoked and pending applications, both directions, reviews,
rules with sources and targets); schemas FastDump does not cover go through marshmallow."""
import datetime as dt

import pytest
from marshmallow import Schema, fields, post_dump

from bench.scale import api, data
from views.api import schemas
from views.api.dumping import FastDump, _compiled

LISTS = [*api.API_LISTS, "/api/v1/applications?direction=received&status=passed",
         "/api/v1/records?direction=initiated"]


def pages(client, token, path):
    """Every page of ``path``, limit 7, by cursor."""
    bodies, cursor = [], None
    while True:
        glue = "&" if "?" in path else "?"
        response = client.get(f"{path}{glue}limit=7" + (f"&cursor={cursor}" if cursor else ""),
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.data[:300]
        bodies.append(response.get_json())
        cursor = bodies[-1]["next_cursor"]
        if not cursor or len(bodies) == 12:
            return bodies


def test_every_list_dumps_as_marshmallow_does(app, monkeypatch):
    data.generate(600, log=lambda line: None)
    token = api.api_token()
    client = app.test_client()
    fast = {path: pages(client, token, path) for path in LISTS}
    monkeypatch.setattr(FastDump, "dump", Schema.dump)
    for path in LISTS:
        assert pages(client, token, path) == fast[path], path
    seen = {key for bodies in fast.values() for body in bodies for item in body["items"] for key in item}
    assert {"reviews", "certificate_code", "revoked_at", "sources", "targets", "learner"} <= seen
    assert any(item.get("decided_at") is None for bodies in fast.values() for body in bodies
               for item in body["items"] if "decided_at" in item)


def test_every_response_schema_of_the_lists_is_covered():
    for page in (schemas.ApplicationPage, schemas.RecordPage, schemas.RulePage):
        assert _compiled(page()) is not None, page


class _Hooked(FastDump):
    moment = schemas.DateTime()

    @post_dump
    def _stamped(self, data, **kwargs):
        return {**data, "hooked": True}


class _Unknown(FastDump):
    flag = fields.Boolean()


class _Plain(FastDump):
    moment = schemas.DateTime()
    day = fields.Date()
    amount = fields.Float()
    names = fields.List(fields.String())


@pytest.mark.parametrize("schema", [_Hooked, _Unknown])
def test_what_fastdump_does_not_cover_goes_through_marshmallow(schema):
    obj = {"moment": dt.datetime(2024, 5, 1, 8, 30), "flag": 1}
    assert _compiled(schema()) is None
    assert schema().dump(obj) == Schema.dump(schema(), obj)


def test_plain_fields_dump_as_marshmallow_does():
    rows = [{"moment": dt.datetime(2024, 5, 1, 8, 30, 15, 123), "day": dt.date(2024, 2, 29), "amount": 3,
             "names": ["甲", None]},
            {"moment": dt.datetime(2024, 5, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))), "day": None},
            {}]
    assert _Plain(many=True).dump(rows) == Schema.dump(_Plain(many=True), rows)
    objects = [type("Row", (), row)() for row in rows]  # attributes, not keys: marshmallow reads them
    assert _Plain().dump(objects[0]) == Schema.dump(_Plain(), objects[0])
    assert _Plain(only=("day",)).dump(rows[0]) == {"day": "2024-02-29"}  # an instance narrowed: marshmallow
    assert _Plain().dump(None) == Schema.dump(_Plain(), None)
