"""Counting the SQL statements a piece of code runs (query budgets)."""
import contextlib

from models import db
from models.base import prepares_a_statement
from web.sessions import TOUCH_SQL

# A session's last_seen_at is written at most once a minute, on whichever request comes
# then (web.sessions.TOUCH_EVERY, TOUCH_SQL): on a slow machine it falls inside one of two
# requests a test compares. It is the session's, not the page's: not counted.


@contextlib.contextmanager
def count_queries():
    """``with count_queries() as counter: …`` — ``counter["n"]`` statements ran inside
    (the session's once-a-minute touch and a connection's PREPAREs aside)."""
    counter = {"n": 0}
    database = db.obj
    original = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        counter["n"] += not (sql.startswith(TOUCH_SQL) or prepares_a_statement(sql))
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counting
    try:
        yield counter
    finally:
        database.execute_sql = original
