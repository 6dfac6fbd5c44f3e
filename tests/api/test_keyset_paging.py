"""Keyset paging of the API lists: reading a list to its end by ``next_cursor`` returns
every row that was there once — none twice, none skipped — in the list's order, its
received and initiated rows interleaved, while other requests insert rows between the
pages (newer ones, and ones of the very same time as the page boundary); a cursor the
list never gave is refused."""
import datetime as dt
import itertools

import pytest

from models import ApplicationKind, ApplicationStatus
from tests import factories
from tests.api.conftest import bearer, make_application

SAME_TIME = dt.datetime(2025, 3, 1, 8, 0)


def read_to_end(client, token, path, limit, between_pages):
    seen, cursor, pages = [], None, 0
    while True:
        glue = "&" if "?" in path else "?"
        response = client.get(f"{path}{glue}limit={limit}" + (f"&cursor={cursor}" if cursor else ""),
                              headers=bearer(token))
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        seen += body["items"]
        cursor, pages = body["next_cursor"], pages + 1
        if cursor is None:
            return seen, pages
        between_pages(pages)


@pytest.mark.parametrize("path, key", [("/api/v1/applications", "submitted_at"),
                                       ("/api/v1/applications?direction=received", "submitted_at"),
                                       ("/api/v1/records", "decided_at")])
def test_every_row_once_while_rows_are_inserted(app, world, path, key):
    a, client = world.a, app.test_client()
    decided = key == "decided_at"
    status = ApplicationStatus.PASSED if decided else ApplicationStatus.PENDING

    sides = itertools.count()

    def add(moment):
        times = {"decided_at": moment, "submitted_at": moment} if decided else {"submitted_at": moment}
        if next(sides) % 3 == 2:  # every third one initiated by A (a batch under B's rule): both sides interleave
            return make_application(factories.make_learner(), a.own.achievement, world.rule_b_from_a,
                                    ApplicationKind.BATCH, batch=world.initiated.batch, status=status, **times).id
        return make_application(factories.make_learner(), a.own.achievement, a.rule, ApplicationKind.CONVERSION,
                                status=status, **times).id

    # Ties: a dozen rows share one time, so pages end inside the tie (the id decides).
    for _ in range(12):
        add(SAME_TIME)
    for n in range(21):
        add(SAME_TIME - dt.timedelta(days=n + 1))
    before = {item["id"] for item in read_to_end(client, a.read, path, 100, lambda page: None)[0]}
    inserted = []

    def insert(page):
        inserted.append(add(dt.datetime(2026, 1, 1) + dt.timedelta(minutes=page)))  # newer than all
        inserted.append(add(SAME_TIME))  # the tie's time, a higher id: before the boundary

    seen, pages = read_to_end(client, a.read, path, 4, insert)
    ids = [item["id"] for item in seen]
    assert pages > 5 and inserted
    assert len(ids) == len(set(ids)), "a row came twice"
    assert before <= set(ids), f"rows skipped: {sorted(before - set(ids))}"
    assert set(ids) - before <= set(inserted)
    order = [(item[key], item["id"]) for item in seen]
    assert order == sorted(order, reverse=True)


def test_a_cursor_the_list_never_gave_is_refused(app, world):
    client = app.test_client()
    for cursor in ("abc", "12", "1.x", "99999999999999999999999.1"):
        response = client.get(f"/api/v1/applications?cursor={cursor}", headers=bearer(world.a.read))
        assert response.status_code == 422, (cursor, response.get_data(as_text=True))
        assert "cursor" in response.get_json()["errors"]["query"]
    assert client.get("/api/v1/rules?cursor=1.2", headers=bearer(world.a.read)).status_code == 422
