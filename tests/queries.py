"""Counting the SQL statements a piece of code runs (query budgets)."""
import contextlib

from models import db


@contextlib.contextmanager
def count_queries():
    """``with count_queries() as counter: …`` — ``counter["n"]`` statements ran inside."""
    counter = {"n": 0}
    database = db.obj
    original = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        counter["n"] += 1
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counting
    try:
        yield counter
    finally:
        database.execute_sql = original
