"""The app as gunicorn serves it in the scale benchmark, plus two things for measuring:
an ``X-Queries`` response header (database statements of the request) and a bare
endpoint, ``/_bench/bare``, the baseline of the /me/ throughput ratio."""
import os
import time

from app import create_app
from models import db

app = create_app({"DATABASE_URL": os.environ["DATABASE_URL"]})
_counter = {"n": 0}
_database = db.obj
_execute = _database.execute_sql


def _counting(sql, params=None, *args, **kwargs):
    _counter["n"] += 1
    return _execute(sql, params, *args, **kwargs)


_database.execute_sql = _counting


@app.before_request
def _reset():
    _counter["n"] = 0
    _counter["wall"], _counter["cpu"] = time.perf_counter(), time.process_time()


@app.after_request
def _report(response):
    # Server-side figures: wall time, and the CPU time this process spent (on a shared
    # machine the wall time also holds the waits for a core).
    response.headers["X-Queries"] = str(_counter["n"])
    response.headers["X-Server-Ms"] = f"{(time.perf_counter() - _counter['wall']) * 1000:.2f}"
    response.headers["X-Cpu-Ms"] = f"{(time.process_time() - _counter['cpu']) * 1000:.2f}"
    return response


@app.route("/_bench/bare")
def bare():
    return "ok"
