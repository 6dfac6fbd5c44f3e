"""Query budgets beyond the admin lists (test_list_queries.py): every learner page of a
heavy learner, every institution API list and a batch decision cost a fixed number of
queries, the same for 20 rows as for 100 — nothing is loaded per row — within the
targets of the scale benchmark (learner pages ≤ 7, API ≤ 4 list queries a page, a batch
decision ≤ 40 whatever its size)."""
import datetime as dt

import pytest

from bench.scale import api, data, pages
from models.base import prepares_a_statement
from services.core import pagination
from services.ledger import pathways
from services.seed import demo
from tests.foundation.test_list_queries import requested
from web import sessions

LEARNER_BUDGET = 7
API_BUDGET = 4
BATCH_BUDGET = 40


@pytest.fixture
def scaled(app, monkeypatch):
    """The demo data plus a small scale dataset whose heavy learners (the demo learner
    first) hold more than 100 achievements, applications and messages each."""
    # A session's last-seen time is written once a minute: not a query of the page.
    monkeypatch.setattr(sessions, "TOUCH_EVERY", dt.timedelta(days=1))
    data.generate(2500, log=lambda line: None)
    return app


@pytest.fixture
def page_size(monkeypatch):
    """Set the learner area's page size (paginate's and 学分账户's default)."""

    def set_size(size):
        monkeypatch.setattr(pagination.paginate, "__defaults__", (size, None))  # (size, total)
        monkeypatch.setattr(pathways.pathways, "__defaults__", (1, None, size))

    return set_size


def shown(page):
    return page.count("<tr") + page.count('class="card')


def test_every_learner_page_of_a_heavy_learner_costs_the_same_for_20_and_100_rows(scaled, page_size):
    client = scaled.test_client()
    client.post("/login", data={"identity": "person", "identifier": "learner", "password": demo.DEMO_PASSWORD})
    variants = []
    for path in pages.LEARNER_PAGES:
        first = client.get(path).get_data(as_text=True)
        variants += [path + (f"?{query}" if query else "") for _name, query in pages.learner_pages(path, first)]
    assert len(variants) > len(pages.LEARNER_PAGES)  # sorts and last pages were found
    longer = 0
    for path in variants:
        page_size(20)
        small, small_page = requested(client, path)
        page_size(100)
        large, large_page = requested(client, path)
        assert small == large, f"{path}: {small} queries for 20 rows, {large} for 100 (per-row queries)"
        assert large <= LEARNER_BUDGET, f"{path}: {large} queries"
        longer += shown(large_page) > shown(small_page)
    assert longer >= 5  # the heavy learner's lists really were longer at 100 a page


class ViewQueries:
    """Counts the statements the API's view functions run (api.count_view_queries), a
    connection's one-time PREPAREs aside (as the scale benchmark counts them)."""

    def __init__(self, database):
        self.execute, self.in_view, self.count = database.execute_sql, False, 0

    def __call__(self, sql, params=None, *args, **kwargs):
        self.count += self.in_view and not prepares_a_statement(sql)
        return self.execute(sql, params, *args, **kwargs)


@pytest.fixture
def api_get(scaled, monkeypatch):
    """GET an API path with the demo institution's token: (list queries, JSON)."""
    from models import db

    measure = ViewQueries(db.obj)
    monkeypatch.setattr(db.obj, "execute_sql", measure)
    monkeypatch.setattr(scaled, "view_functions", dict(scaled.view_functions))
    api.count_view_queries(scaled, measure)
    headers = {"Authorization": f"Bearer {api.api_token()}"}
    client = scaled.test_client()

    def get(path):
        measure.count = 0
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        return measure.count, response.get_json()

    return get


def test_every_api_list_costs_the_same_for_20_and_100_rows(api_get):
    fuller = 0
    for path in api.API_LISTS:
        glue = "&" if "?" in path else "?"
        small, small_page = api_get(f"{path}{glue}limit=20")
        large, large_page = api_get(f"{path}{glue}limit=100")
        assert small == large, f"{path}: {small} list queries for 20 rows, {large} for 100"
        assert large <= API_BUDGET, f"{path}: {large} list queries"
        fuller += len(large_page["items"]) > len(small_page["items"]) == 20
        if small_page["next_cursor"]:  # a later page costs what the first does
            later, _page = api_get(f"{path}{glue}limit=20&cursor={small_page['next_cursor']}")
            assert later == small, f"{path}: page 2 {later} list queries, page 1 {small}"
    assert fuller >= 3


def test_a_batch_decision_costs_the_same_for_20_and_100_learners(app, reference):
    from bench.batch import measure

    costs = {learners: measure(learners, start)[1][0] for learners, start in ((20, 1), (100, 10_000))}
    assert costs[20] == costs[100] <= BATCH_BUDGET, costs
