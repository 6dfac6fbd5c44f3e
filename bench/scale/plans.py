"""The query plans behind every timed page: ``python -m bench.scale.plans DATABASE_URL``
requests each page of bench/scale/pages.py through the Flask test client and prints,
for each, its statements with their time and EXPLAIN plan (SQLite: EXPLAIN QUERY PLAN,
PostgreSQL: EXPLAIN). ``--slowest N`` keeps the N slowest statements per page."""
import argparse
import time

from bench.scale import data, pages
from models import db

# The benchmark's searched learner: one of the smallest (100 000) dataset, named 王….
SAMPLE = data.sample_learner(data.sizes(100_000)["learners"])


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
    parser.add_argument("--summary", type=float, metavar="MS", help="only list the pages whose statements took "
                        "more than MS ms in all (the best of three requests), slowest first")
    parser.add_argument("--path", action="append", default=[], help="USER:PATH, a page to explain (repeatable) "
                        "instead of every page")
    args = parser.parse_args(argv)
    from app import create_app
    from services.seed import DEMO_PASSWORD

    app = create_app({"DATABASE_URL": args.url, "WTF_CSRF_ENABLED": False})
    admin_pages = pages.admin_pages(app, SAMPLE)
    chosen = {}
    for spec in args.path:
        username, _, path = spec.partition(":")
        chosen.setdefault(username, []).append(path)
    slow = []
    for username, identity in pages.ROLES.items():
        if chosen and username not in chosen:
            continue
        client = app.test_client()
        client.post("/login", data={"identity": identity, "identifier": username, "password": DEMO_PASSWORD})
        paths = chosen.get(username) or every_path(app, client, username, admin_pages)
        for path in paths:
            if args.only not in path:
                continue
            client.get(path)
            runs = []
            for _ in range(3 if args.summary is not None else 1):
                calls, stop = capture()
                response = client.get(path)
                stop()
                runs.append(calls)
            calls = min(runs, key=lambda run: sum(c[0] for c in run))
            if response.status_code != 200:
                continue
            if args.summary is not None:
                total = sum(c[0] for c in calls)
                if total > args.summary:
                    slow.append((total, len(calls), username, path, max(calls)[1][:160]))
                continue
            print(f"\n== {username} {path}: {len(calls)} queries, {sum(c[0] for c in calls):.1f} ms in SQL")
            for ms, sql, params in sorted(calls, key=lambda c: -c[0])[: args.slowest]:
                print(f"  {ms:7.1f} ms  {sql[:300]}")
                with db.connection_context() if db.is_closed() else _null():
                    for line in explain(sql, params):
                        print(f"            {line}")


    for total, count, username, path, sql in sorted(slow, reverse=True):
        print(f"{total:7.1f} ms {count:2d} q  {username:11s} {path}\n             slowest: {sql}")


def every_path(app, client, username, admin_pages):
    """The paths the benchmark times for ``username`` (bench/scale/pages.py)."""
    if username == "learner":
        found = []
        for path in pages.LEARNER_PAGES:
            first = client.get(path).get_data(as_text=True)
            found += [path + (f"?{query}" if query else "") for _name, query in pages.learner_pages(path, first)]
        return found

    def get(path):
        response = client.get(path)
        return response.get_data(as_text=True) if response.status_code == 200 else None

    return ["/admin/"] + [f"/admin/{endpoint}/?{query}" for endpoint, variants in admin_pages.items()
                          for _name, query in pages.list_variants(get, app, endpoint, variants, SAMPLE)]


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
