"""Scale benchmark: every page of every role at a million learner achievements, through
the real app under gunicorn (one sync worker), on SQLite — or on PostgreSQL when
TEST_DATABASE_URL is set (``scripts/with-postgres.sh`` gives one) — on data shaped like
real data (bench/scale/data.py: skewed surnames, a dominant institution, heavy learners,
pending work piled at one teaching point; ``--even`` for evenly spread data).

    python -m bench.scale                      # 100 000 then 1 000 000 achievements
    python -m bench.scale --achievements 50000 --from 0  # one smaller size, no growth figures
    python -m bench.scale --plans plans.txt    # also every page's query plans at the largest size
    python -m bench.scale --keep /var/tmp/scale  # keep each dataset and reuse it next time
    python -m bench.scale --keep DIR --prepare-only  # generate (or migrate) the datasets only

``--keep`` saves the ≈ 11 minutes of generating a million rows on later runs: the SQLite
file, or on PostgreSQL a database per size on the same server, is kept; a kept dataset is
brought to the current schema (``init_db`` migrates it) and re-analysed before timing.

For each size: generate the dataset, ANALYZE, start gunicorn (one server per size, all
running at once). Then log in as each demo role and time every page variant
bench/scale/pages.py finds on every size in turn, request by request (warm-up, then
``--requests`` requests each), so that the sizes are compared under the same machine load
rather than in two runs minutes apart: queries per request, p50, p95 in ms. At the
largest size: the heavy learner's /me/ throughput against a bare endpoint of the same
server (in alternating half-seconds), every institution API list paged to its end by
cursor, and a batch decision of 1 000 learners. Then the
growth of each page's p50 from the smallest size to the largest — against the same page
at the smallest size, or, when that page showed fewer rows there (a search with fewer
namesakes, a last page that was short), against the list's page that showed at least as
many rows (marked ``*``; the same-page ratio is printed beside it). Exits 1 when a target
is missed: p95 ≤ 50 ms and ≤ 8 queries (learner pages ≤ 7), growth ≤ 1.5× (p50, 2 ms
floor: below that the timer and the shared machine decide), /me/ throughput ≥ 0.2 × bare,
API pages within 4 list queries with the last page costing what the first does, ≥ 100 000
rows in 30 s, the batch decision ≤ 2 s and ≤ 40 queries with every learner told.
"""
import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

P95_TARGET_MS = 50
QUERY_TARGET = 8
LEARNER_QUERY_TARGET = 7
GROWTH_TARGET = 1.5
GROWTH_FLOOR_MS = 2.0
ME_RATIO_TARGET = 0.2
API_QUERY_TARGET = 4
API_ROWS_PER_30_S = 100_000
API_DEPTH_TARGET = 1.5  # the last tenth of the pages' median time over the first tenth's (2 ms floor)
API_RATE_ROWS = 10_000  # lists at least this long are held to the rate
BATCH_LEARNERS = 1000
BATCH_SECONDS = 2.0
BATCH_QUERIES = 40
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Client:
    """A cookie-keeping HTTP client (gunicorn's sync worker closes every connection)."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if body is not None:
            body = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response, data

    def login(self, username, identity, password):
        _response, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = token or re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', page)
        response, _data = self.request("POST", "/login", {
            "csrf_token": token.group(1).decode(), "identity": identity, "identifier": username, "password": password,
        })
        if response.status != 302:
            raise RuntimeError(f"login of {username} failed ({response.status})")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(url, achievements, log, reuse=False, shape=None):
    """The dataset at ``url``, analysed: generated on a fresh schema, or — with ``reuse``
    and a complete earlier dataset there — migrated to the current schema and kept."""
    from app import create_app
    from bench.scale import data
    from models import MODELS, LearnerAchievement, db
    from services.core import database

    shape = shape or data.SHAPE
    app = create_app({"DATABASE_URL": url})
    size = data.sizes(achievements, shape)
    with app.app_context(), db.connection_context():
        if reuse and database.current_version() and LearnerAchievement.select().count() >= size["achievements"]:
            database.init_db()
            database.analyse(full=True)
            log("  kept dataset reused (migrated and analysed)")
            data.build_reports(log)
            return app, size
        if "postgres" in url:
            db.drop_tables(MODELS, cascade=True)
    if url.startswith("sqlite:///"):  # a fresh file rather than dropping a million rows
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(url[len("sqlite:///"):] + suffix):
                os.remove(url[len("sqlite:///"):] + suffix)
    with app.app_context(), db.connection_context():
        database.init_db()
        start = time.perf_counter()
        size = data.generate(achievements, log=log, shape=shape)
        database.analyse(full=True)
        log(f"  generated in {time.perf_counter() - start:.0f} s")
    return app, size


def dataset_url(pg_url, directory, achievements, keep):
    """Where the dataset of this size lives: a file in ``directory`` on SQLite; on
    PostgreSQL the given database, or with ``keep`` one database per size beside it."""
    if not pg_url:
        return "sqlite:///" + os.path.join(directory, f"scale-{achievements}.db")
    if not keep:
        return pg_url
    from services.core.database import sibling_postgres_database

    return sibling_postgres_database(pg_url, f"creditbank_scale_{achievements}")


def _on_server_cores():
    """Every size's server on the same core(s) (the upper half; BENCH_PIN=0 leaves them to the
    scheduler): placed apart, one server may share a core with the timing client (or its
    hyperthread sibling) and the other not, and the same page then takes 1.5× the CPU time on
    one size for the whole run."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) > 1 and os.environ.get("BENCH_PIN", "1") == "1":
        os.sched_setaffinity(0, cores[len(cores) // 2:])


def serve(url, port):
    # The API's rate limit would stop a whole list read by cursor: it is timed here, not limited.
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-scale", GUNICORN_ACCESS_LOG="", API_RATE_LIMIT="1000000")
    # Production's settings (app/gunicorn_conf.py), with one worker that is never
    # recycled: a steady state is what is timed.
    command = [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", "python:app.gunicorn_conf",
               "--workers", "1", "--worker-class", "sync", "--max-requests", "0",
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "bench.scale.wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, preexec_fn=_on_server_cores)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def percentile(samples, share):
    ordered = sorted(samples)
    return ordered[max(0, int(round(share * len(ordered))) - 1)]


def shown_rows(page):
    """How many rows the page's list tables show: the rows after each table's head (an
    empty list's one message row, which spans the table, is not a row)."""
    rows = 0
    for body in re.findall(rb"</thead>(.*?)</table>", page, re.S):
        rows += sum(1 for row in re.findall(rb"<tr.*?</tr>", body, re.S) if b"colspan" not in row)
    return rows


def time_pages(pages, requests):
    """The figures of each (client, path) in ``pages`` — (status, queries, server p50, server
    p95, client p95, server CPU p95, rows shown), times in ms — timed in turn, request by
    request, so that each size of the dataset is measured under the same machine load."""
    last = {}
    for index, (client, path) in enumerate(pages):
        for _ in range(2):  # warm-up: templates compiled, caches filled
            last[index] = client.request("GET", path)
    timed = [index for index in last if last[index][0].status == 200]
    server, cpu, wall = ({index: [] for index in timed} for _ in range(3))
    queries = dict.fromkeys(timed, 0)
    for _ in range(requests):
        for index in timed:
            client, path = pages[index]
            start = time.perf_counter()
            response, data = client.request("GET", path)
            wall[index].append((time.perf_counter() - start) * 1000)
            server[index].append(float(response.getheader("X-Server-Ms")))
            cpu[index].append(float(response.getheader("X-Cpu-Ms")))
            queries[index] = max(queries[index], int(response.getheader("X-Queries", "0")))
            last[index] = response, data
    return [(last[index][0].status, None, None, None, None, None, None) if index not in server else
            (200, queries[index], statistics.median(server[index]), percentile(server[index], 0.95),
             percentile(wall[index], 0.95), percentile(cpu[index], 0.95), shown_rows(last[index][1]))
            for index in range(len(pages))]


def throughput_ratio(client, path, bare_client, bare_path, seconds):
    """(requests a second of ``path``, of ``bare_path``): each timed for ``seconds`` in
    half-second turns, so both see the same machine."""
    done, spent = [0, 0], [0.0, 0.0]
    for _ in range(int(seconds * 2)):
        for side, (who, where) in enumerate(((client, path), (bare_client, bare_path))):
            start = time.perf_counter()
            while time.perf_counter() - start < 0.5:
                who.request("GET", where)
                done[side] += 1
            spent[side] += time.perf_counter() - start
    return done[0] / spent[0], done[1] / spent[1]


def _log_row(log, size, key, figures):
    status, queries, p50, p95, client_p95, cpu_p95, rows = figures
    username, page, variant = key
    shown = "—" if p50 is None else (f"{queries:3d} q  p50 {p50:6.1f}  p95 {p95:6.1f}  client p95 "
                                      f"{client_p95:6.1f}  cpu p95 {cpu_p95:6.1f}  rows {rows}")
    log(f"  {size:>8d} {username:11s} {page:28s} {variant:26s} {shown}" + ("" if status == 200 else f" HTTP {status}"))


def _admin_targets(app, client, admin_pages, sample):
    """(page, variant, path) of every list variant the role can open, its tabs included."""
    from bench.scale import pages

    def get(path):
        response, page = client.request("GET", path)
        return page.decode() if response.status == 200 else None

    yield "/admin/", "home", "/admin/"
    for endpoint, variants in admin_pages.items():
        for variant, query in pages.list_variants(get, app, endpoint, variants, sample):
            yield endpoint, variant, f"/admin/{endpoint}/?{query}"


def _learner_targets(client):
    from bench.scale import pages

    for path in pages.LEARNER_PAGES:
        _response, first = client.request("GET", path)
        for variant, query in pages.learner_pages(path, first.decode()):
            yield path, variant, path + (f"?{query}" if query else "")


def bind(app):
    """Point the models at ``app``'s database: every size's app shares one binding, the
    last one made."""
    from services.core import database

    database.open_database(app.config["DATABASE_URL"])


def _targets(role, app, client, admin_pages, sample):
    """{(role, page, variant): path} of everything the role opens on this dataset."""
    targets = (_learner_targets(client) if role == "learner"
               else _admin_targets(app, client, admin_pages, sample))
    return {(role, page, variant): path for page, variant, path in targets}


def measure(servers, sample, requests, log):
    """{size: {(role, page, variant): figures}} — every variant timed on each size in turn,
    request by request (a growth figure then compares two sizes under the same machine load,
    not two runs minutes apart) — and at the largest size the /me/ throughput ratio and each
    API list read to its end. ``servers``: {size: (app, port, API token)}, smallest first."""
    from bench.scale import api, pages
    from services.seed.demo import DEMO_PASSWORD

    sizes = list(servers)
    runs = {size: {} for size in sizes}
    load = [os.getloadavg()[0]]
    admin_pages = {}
    for size, (app, _port, _token) in servers.items():
        bind(app)  # 统计报表's variants are read from this size's data
        admin_pages[size] = pages.admin_pages(app, sample)
    for role, identity in pages.ROLES.items():
        clients, targets = {}, {}
        for size, (app, port, _token) in servers.items():
            clients[size] = Client(port)
            clients[size].login(role, identity, DEMO_PASSWORD)
            targets[size] = _targets(role, app, clients[size], admin_pages[size], sample)
        for key in targets[sizes[-1]]:
            timed = [size for size in sizes if key in targets[size]]
            figures = time_pages([(clients[size], targets[size][key]) for size in timed], requests)
            for size, value in zip(timed, figures, strict=True):
                runs[size][key] = value
                _log_row(log, size, key, value)
        if role == "learner":
            _app, port, _token = servers[sizes[-1]]
            runs[sizes[-1]]["me_ratio"] = throughput_ratio(clients[sizes[-1]], "/me/", Client(port), "/_bench/bare", 3)
    _app, port, token = servers[sizes[-1]]
    runs[sizes[-1]]["api"] = {}
    for path in api.API_LISTS:
        runs[sizes[-1]]["api"][path] = figures = api.page_to_end(Client(port), token, path)
        log(f"  api {path}: {figures}")
    load.append(os.getloadavg()[0])
    runs["load"] = load
    return runs


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--achievements", type=int, default=1_000_000)
    parser.add_argument("--from", dest="smallest", type=int, default=100_000,
                        help="also measure this size first and print the growth (0: only one size)")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--keep", metavar="DIR", help="keep the generated datasets (SQLite files in DIR, "
                        "PostgreSQL databases beside TEST_DATABASE_URL's) and reuse them on later runs")
    parser.add_argument("--prepare-only", action="store_true", help="generate or migrate the kept datasets, no timing")
    parser.add_argument("--even", action="store_true", help="evenly spread data (no skew, no heavy learners)")
    parser.add_argument("--surname-share", type=float, help="share of the learners of each of the five commonest "
                        "surnames (default 0.07)")
    parser.add_argument("--dominant-share", type=float, help="the demo institution's share of stored achievements "
                        "and received applications (default 0.5)")
    parser.add_argument("--heavy", help="achievements of the heavy learners, comma-separated (default 3000,2500,2000)")
    parser.add_argument("--pending-share", type=float, help="share of all applications pending at the demo "
                        "reviewer's teaching point (default 1/3)")
    parser.add_argument("--plans", metavar="FILE", help="also write every page's statements and query plans at the "
                        "largest size to FILE (bench/scale/plans.py)")
    args = parser.parse_args(argv)
    sizes = [args.achievements]
    if args.smallest and args.smallest < args.achievements:
        sizes.insert(0, args.smallest)
    pg_url = os.environ.get("TEST_DATABASE_URL")
    engine = "PostgreSQL" if pg_url else "SQLite"
    tmp = tempfile.mkdtemp(prefix="bench-scale-")
    os.environ.setdefault("UPLOAD_DIR", os.path.join(tmp, "uploads"))
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)

    def log(line):
        print(line, flush=True)

    # One sample learner for every size (a learner of the smallest dataset is in each):
    # the searches look for the same name, ID number and phone at 100k and at 1M.
    from bench.scale import data

    shape = shape_of(args)
    sample = data.sample_learner(data.sizes(sizes[0], shape)["learners"], shape)
    servers, running, runs = {}, [], None
    try:
        try:
            for achievements in sizes:
                url = dataset_url(pg_url, args.keep or tmp, achievements, args.keep)
                log(f"{engine}, {achievements} learner achievements: preparing …")
                app, _size = prepare(url, achievements, log, reuse=bool(args.keep), shape=shape)
                if args.prepare_only:
                    continue
                if args.plans and achievements == sizes[-1]:
                    write_plans(url, args.plans)
                port = free_port()
                running.append(serve(url, port))
                servers[achievements] = (app, port, api_token(app))
            if not args.prepare_only:
                log(f"{engine}: timing {', '.join(map(str, sizes))} achievements side by side …")
                runs = measure(servers, sample, args.requests, log)
        finally:
            for server in running:
                server.send_signal(signal.SIGTERM)
                server.wait(30)
        if runs:  # it decides pending work: after every page has been timed
            bind(servers[sizes[-1]][0])
            runs[sizes[-1]]["batch"] = decide_batch(servers[sizes[-1]][0], log)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.prepare_only:
        return 0
    return report(engine, sizes, runs)


def shape_of(args):
    import dataclasses

    from bench.scale import data

    shape = data.EVEN if args.even else data.SHAPE
    changes = {name: getattr(args, name) for name in ("surname_share", "dominant_share", "pending_share")
               if getattr(args, name) is not None}
    if args.heavy is not None:
        changes["heavy"] = tuple(int(n) for n in args.heavy.split(",") if n.strip())
    return dataclasses.replace(shape, **changes)


def api_token(app):
    from bench.scale import api
    from models import db

    with app.app_context(), db.connection_context():
        return api.api_token()


def decide_batch(app, log):
    from bench.scale import api
    from models import db

    with app.app_context(), db.connection_context():
        figures = api.batch_decision(BATCH_LEARNERS)
    log(f"  batch decision: {figures}")
    return figures


def write_plans(url, path):
    import contextlib

    from bench.scale import plans

    with open(path, "w") as out, contextlib.redirect_stdout(out):
        plans.main([url, "--slowest", "3"])


def comparable(smallest, key, rows):
    """(figures at the smallest size to compare ``key`` with, whether they are another
    page's): the same page when it showed at least as many rows; when it showed fewer,
    the costlier of it and the same list's page that showed at least as many (the fewest
    such rows; its first page among equals). Each of the two does work the page at the
    larger size also does whatever the data's size — the same queries, as many rows to
    render — so a ratio against the costlier still bounds the data's growth (a search
    showing 19 rows, then 20, is compared with itself, not with a first page that runs no
    search; one showing 3, then 20, with a page of 20)."""
    same = smallest.get(key)
    if same is None or same[2] is None:
        return None, False
    if same[6] >= rows:
        return same, False
    role, page, _variant = key
    others = [((value[6], other[2] != "first"), value) for other, value in smallest.items()
              if isinstance(other, tuple) and other[:2] == (role, page) and other != key
              and value[2] is not None and value[6] >= rows]
    if others:
        other = min(others, key=lambda item: item[0])[1]
        if other[2] > same[2]:
            return other, True
    return same, False


def report(engine, sizes, runs):
    largest = runs[sizes[-1]]
    smallest = runs[sizes[0]] if len(sizes) > 1 else None
    print(f"\n{engine}: {sizes[-1]} achievements — targets p95 ≤ {P95_TARGET_MS} ms, ≤ {QUERY_TARGET} queries"
          + (f", growth from {sizes[0]} ≤ {GROWTH_TARGET}× (p50, {GROWTH_FLOOR_MS} ms floor)" if smallest else ""))
    print("server-side ms (X-Server-Ms: request start to response); client p95 adds HTTP, cpu p95 is the"
          " worker's own CPU time")
    print("rows: the rows the page shows (at the smallest size → at the largest); growth * : where the page showed"
          " fewer rows at the smallest size, against the list's page that showed at least as many, when that one"
          " was the costlier (the same page's ratio follows the verdict)")
    print(f"{'role':11s} {'page':28s} {'variant':26s} {'q':>3s} {'p50':>7s} {'p95':>7s} {'client':>7s} {'cpu':>7s}"
          f" {'rows':>9s} {'growth':>7s}  ok")
    failed = 0
    for key, value in largest.items():
        if not isinstance(key, tuple):
            continue
        status, queries, p50, p95, client_p95, cpu_p95, rows = value
        before = smallest.get(key) if smallest else None
        rows_shown = "" if rows is None else (f"{before[6]}→{rows}" if before and before[6] is not None else f"{rows}")
        growth, note = None, ""
        reference, other = comparable(smallest, key, rows) if smallest and p50 is not None else (None, False)
        if reference is not None:
            growth = max(p50, GROWTH_FLOOR_MS) / max(reference[2], GROWTH_FLOOR_MS)
            if other:
                note = f"  * same page {max(p50, GROWTH_FLOOR_MS) / max(smallest[key][2], GROWTH_FLOOR_MS):.2f}×"
        budget = LEARNER_QUERY_TARGET if key[0] == "learner" else QUERY_TARGET
        ok = status == 200 and queries <= budget and p95 <= P95_TARGET_MS and (
            growth is None or growth <= GROWTH_TARGET)
        failed += not ok
        role, page, variant = key
        figures = (f"{queries:3d} {p50:7.1f} {p95:7.1f} {client_p95:7.1f} {cpu_p95:7.1f} {rows_shown:>9s}"
                   if status == 200 else f"HTTP {status}")
        shown_growth = "" if growth is None else f"{growth:6.2f}×" + ("*" if note else "")
        print(f"{role:11s} {page:28s} {variant:26s} {figures} {shown_growth:8s} {'yes' if ok else 'NO'}{note}")
    me_rate, bare_rate = largest["me_ratio"]
    ratio = me_rate / bare_rate
    me_ok = ratio >= ME_RATIO_TARGET
    failed += not me_ok
    print(f"/me/ throughput {me_rate:.0f} req/s, bare endpoint {bare_rate:.0f} req/s: ratio {ratio:.3f} "
          f"(target ≥ {ME_RATIO_TARGET})  {'yes' if me_ok else 'NO'}")
    failed += report_api(largest.get("api", {}))
    failed += report_batch(largest.get("batch"))
    start, end = runs["load"]
    print(f"machine load average (1 min, {os.cpu_count()} cores) while timing: {start:.1f} at the start, "
          f"{end:.1f} at the end")
    print(f"{failed} target(s) missed" if failed else "all targets met")
    return 1 if failed else 0


def report_api(lists):
    """Each API list read to its end: rows, pages, seconds, list queries a page, first /
    p50 / p95 / last page ms. Returns the number of missed targets."""
    failed = 0
    print(f"\nAPI (limit 100 a page) — targets ≤ {API_QUERY_TARGET} list queries a page, the last tenth of the pages ≤ "
          f"{API_DEPTH_TARGET}× the first tenth (at least ten pages each; {GROWTH_FLOOR_MS} ms floor), ≥ {API_ROWS_PER_30_S} rows in 30 s "
          f"(lists of ≥ {API_RATE_ROWS} rows); ms are server-side, first/last: median of those pages")
    for path, figures in lists.items():
        if figures["status"] != 200:
            print(f"{path:60s} HTTP {figures['status']}  NO")
            failed += 1
            continue
        depth = max(figures["last_ms"], GROWTH_FLOOR_MS) / max(figures["first_ms"], GROWTH_FLOOR_MS)
        per_30_s = figures["rows"] / figures["seconds"] * 30 if figures["seconds"] else float("inf")
        # The rate is judged on lists long enough to have one (a short list is a few requests).
        ok = (figures["list_queries"] <= API_QUERY_TARGET and depth <= API_DEPTH_TARGET
              and (per_30_s >= API_ROWS_PER_30_S or figures["rows"] < API_RATE_ROWS))
        failed += not ok
        print(f"{path:60s} {figures['rows']:7d} rows {figures['pages']:5d} pages {figures['seconds']:7.1f} s "
              f"({per_30_s:8.0f} rows/30 s)  {figures['list_queries']} q  first {figures['first_ms']:.1f} "
              f"p50 {figures['p50_ms']:.1f} p95 {figures['p95_ms']:.1f} last {figures['last_ms']:.1f} ms  "
              f"{'yes' if ok else 'NO'}")
    return failed


def report_batch(figures):
    if figures is None:
        return 0
    ok = (figures["learners"] == BATCH_LEARNERS and figures["told"] == BATCH_LEARNERS
          and figures["seconds"] <= BATCH_SECONDS and figures["queries"] <= BATCH_QUERIES)
    print(f"\nbatch decision: {figures['learners']} learners in {figures['seconds']:.2f} s, {figures['queries']} queries,"
          f" {figures['told']} told (targets ≤ {BATCH_SECONDS} s, ≤ {BATCH_QUERIES} queries, each learner told)  "
          f"{'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
