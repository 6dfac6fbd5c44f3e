"""The institution API and the batch decision in the scale benchmark.

``page_to_end`` follows ``next_cursor`` through a whole API list as an institution's
system would, timing every page: page N must cost what page 1 costs (keyset paging),
and the whole list must come at ≥ 100 000 rows in 30 s. ``batch_decision`` builds an
institution batch of 1 000 learners under the demo institution's rule and times its
decision (``workflow.review_batch``): seconds, queries, and that each learner was told."""
import json
import statistics
import time

API_LISTS = ("/api/v1/applications", "/api/v1/applications?direction=received",
             "/api/v1/applications?direction=initiated", "/api/v1/records", "/api/v1/records?direction=received",
             "/api/v1/applications?status=pending", "/api/v1/records?decided_from=2024-01-01&decided_to=2024-12-31",
             "/api/v1/rules")
PAGE_LIMIT = 100


def count_view_queries(app, measure):
    """Mark the statements the API's view functions run themselves (``measure.in_view``):
    a list's own queries, not the token check, rate limit and audit row every call has
    around it (views/api/__init__.py)."""
    import functools

    def marked(view):
        @functools.wraps(view)
        def run(*args, **kwargs):
            measure.in_view = True
            try:
                return view(*args, **kwargs)
            finally:
                measure.in_view = False
        return run

    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("api."):
            app.view_functions[endpoint] = marked(view)


def api_token():
    """A read token of the demo institution (in the app context), in clear."""
    from models import ApiTokenScope, User
    from services.accounts import api_tokens

    owner = User.get(User.username == "institution")
    return api_tokens.create(owner.institution_id, "scale benchmark", ApiTokenScope.READ, owner.id)[1]


def page_to_end(client, token, path, limit=PAGE_LIMIT):
    """{"rows", "pages", "seconds", "list_queries" (max a page), "first_ms" and "last_ms"
    (the median of the first and of the last tenth of the pages, at least ten: one page
    held up by the machine moved a mean of ten by 1.5×, and a burst of the database's
    background work the median of ten — the received applications' last ten pages once
    took 23.3 ms against 12.3 for the first ten, where paging the same list again at
    once, over HTTP and in-process, gave 1.13–1.17×), "p50_ms", "p95_ms", "status"}:
    every page of ``path`` by cursor."""
    from bench.scale.__main__ import percentile

    rows, pages, times, list_queries, cursor = 0, 0, [], 0, None
    started = time.perf_counter()
    while True:
        glue = "&" if "?" in path else "?"
        url = f"{path}{glue}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response, data = client.request("GET", url, headers={"Authorization": f"Bearer {token}"})
        if response.status != 200:
            return {"status": response.status, "rows": rows, "pages": pages}
        body = json.loads(data)
        times.append(float(response.getheader("X-Server-Ms")))
        list_queries = max(list_queries, int(response.getheader("X-List-Queries", "0")))
        rows += len(body["items"])
        pages += 1
        cursor = body.get("next_cursor")
        if not cursor:
            break
    ordered = sorted(times)
    ends = min(len(times), max(10, len(times) // 10))  # the first and the last tenth of the pages
    return {"status": 200, "rows": rows, "pages": pages, "seconds": time.perf_counter() - started,
            "list_queries": list_queries, "first_ms": statistics.median(times[:ends]),
            "p50_ms": ordered[len(ordered) // 2], "p95_ms": percentile(times, 0.95),
            "last_ms": statistics.median(times[-ends:])}


def batch_decision(learners=1000):
    """(seconds, queries, learners told) of deciding a new batch of ``learners`` learners
    of another college under another institution's rule (bench/batch.py's world), on the
    scale dataset."""
    from bench.batch import counted_queries, make_world
    from models import Message, User, db
    from services import ledger

    # Fresh numbers on every run on a kept dataset: each run adds ``learners`` + 2 users.
    start = 900_000 + User.select().count()
    initiator, rule, staff, reviewer = make_world(learners, start)
    batch = ledger.submit_batch(initiator, rule, ledger.batch_holders(initiator.id, rule.id), staff)
    told_before = Message.select().where(Message.user.in_(_learners_of(batch))).count()
    began = time.perf_counter()
    with counted_queries(db.obj) as statements:
        decided = ledger.review_batch(batch, reviewer, True, "")
    seconds = time.perf_counter() - began
    told = Message.select(Message.user).where(Message.user.in_(_learners_of(batch))).distinct().count() - told_before
    return {"learners": decided, "seconds": seconds, "queries": len(statements), "told": told}


def _learners_of(batch):
    from models import Application

    return Application.select(Application.learner).where(Application.batch == batch.id)
