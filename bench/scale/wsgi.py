"""The app as gunicorn serves it in the scale benchmark, plus what is measured: response
headers ``X-Queries`` (database statements of the request), ``X-List-Queries`` (those the
view function itself ran: an API list's own, without the token check, rate limit and
audit row around every call), ``X-Server-Ms`` and ``X-Cpu-Ms``, and a bare endpoint,
``/_bench/bare``, the baseline of the /me/ ratio."""
import os
import time

from app import create_app
from bench.scale.api import count_view_queries
from models import db
from models.base import prepares_a_statement
from web.sessions import TOUCH_SQL

app = create_app({"DATABASE_URL": os.environ["DATABASE_URL"]})


class Measure:
    """Stands in for the database's ``execute_sql``: counts the request's statements."""

    def __init__(self, database):
        self.execute, self.queries, self.view_queries, self.wall, self.cpu = database.execute_sql, 0, 0, 0.0, 0.0
        self.in_view = False
        database.execute_sql = self

    def __call__(self, sql, params=None, *args, **kwargs):
        # Not the page's: a connection's one-time setup, the session's once-a-minute touch.
        if not (prepares_a_statement(sql) or sql.startswith(TOUCH_SQL)):
            self.queries += 1
            self.view_queries += self.in_view
        return self.execute(sql, params, *args, **kwargs)


measure = Measure(db.obj)
count_view_queries(app, measure)


def _reset():
    measure.queries = measure.view_queries = 0
    measure.wall, measure.cpu = time.perf_counter(), time.process_time()


# First of the request's hooks, so the figures hold what the app's own hooks do: reading
# the session row (with the user) counts as one of the page's statements, and its time.
app.before_request_funcs.setdefault(None, []).insert(0, _reset)


@app.after_request
def _report(response):
    # Server-side figures: wall time, and the CPU time this process spent (on a shared
    # machine the wall time also holds the waits for a core).
    response.headers["X-Queries"] = str(measure.queries)
    response.headers["X-List-Queries"] = str(measure.view_queries)
    response.headers["X-Server-Ms"] = f"{(time.perf_counter() - measure.wall) * 1000:.2f}"
    response.headers["X-Cpu-Ms"] = f"{(time.process_time() - measure.cpu) * 1000:.2f}"
    return response


@app.route("/_bench/bare")
def bare():
    return "ok"
