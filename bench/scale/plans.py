"""The query plans behind every timed page: ``python -m bench.scale.plans DATABASE_URL``
requests each page of bench/scale/pages.py through the Flask test client and prints,
for each, its statements with their time and EXPLAIN plan (SQLite: EXPLAIN QUERY PLAN,
PostgreSQL: EXPLAIN). ``--slowest N`` keeps the N slowest statements per page."""
import argparse
import time

from bench.scale import pages
from models import db


def capture():
    calls = []
    database = db.obj
    original = database.execute_sql

    def recording(sql, params=None, *args, **kwargs):
        start = time.perf_counter()
        cursor = original(sql, params, *args, **kwargs)
        calls.append(((time.perf_counter() - start) * 1000, sql, params))
        return cursor

    database.execute_sql = recording
    return calls, lambda: setattr(database, "execute_sql", original)


def explain(sql, params):
    postgres = "postgres" in type(db.obj).__name__.lower()
    rows = db.obj.execute_sql(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + sql, params).fetchall()
    return [row[0] if postgres else row[-1] for row in rows]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.scale.plans")
    parser.add_argument("url")
    parser.add_argument("--slowest", type=int, default=1)
    parser.add_argument("--only", default="", help="a substring of the page path")
    parser.add_argument("--path", action="append", default=[], help="USER:PATH, a page to explain (repeatable) "
                        "instead of every page")
    args = parser.parse_args(argv)
    from app import create_app
    from services.seed import DEMO_PASSWORD

    app = create_app({"DATABASE_URL": args.url, "WTF_CSRF_ENABLED": False})
    admin_pages = pages.admin_pages(app, 1234)
    chosen = {}
    for spec in args.path:
        username, _, path = spec.partition(":")
        chosen.setdefault(username, []).append(path)
    for username, identity in pages.ROLES.items():
        if chosen and username not in chosen:
            continue
        client = app.test_client()
        client.post("/login", data={"identity": identity, "identifier": username, "password": DEMO_PASSWORD})
        paths = chosen.get(username) or (list(pages.LEARNER_PAGES) if username == "learner" else ["/admin/"] + [
            f"/admin/{endpoint}/?{query}" for endpoint, variants in admin_pages.items() for _v, query in variants])
        for path in paths:
            if args.only not in path:
                continue
            client.get(path)
            calls, stop = capture()
            response = client.get(path)
            stop()
            if response.status_code != 200:
                continue
            print(f"\n== {username} {path}: {len(calls)} queries, {sum(c[0] for c in calls):.1f} ms in SQL")
            for ms, sql, params in sorted(calls, key=lambda c: -c[0])[: args.slowest]:
                print(f"  {ms:7.1f} ms  {sql[:300]}")
                with db.connection_context() if db.is_closed() else _null():
                    for line in explain(sql, params):
                        print(f"            {line}")


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
