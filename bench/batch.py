"""Benchmark of an institution batch (``services.ledger``): ``submit_batch`` applies for every
learner holding the rule's source, then the rule's institution passes them all
(``review_batch``: review records, audit, grants with certificate codes, an inbox message
and an SMS per learner), at two sizes. Both must be set-based — the query count at 5 000
learners equals the count at 50 — and the decision of 1 000 learners takes at most 2 s and
40 queries.

``python -m bench.batch`` (``--rows N`` for the large size, ``--database URL`` to run on
PostgreSQL); prints the query count and time of each step and size and exits 1 when a count
grows with the number of learners or the decision misses its target.
"""
import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from contextlib import contextmanager

SMALL = 50
DECISION_SIZE, DECISION_QUERIES, DECISION_SECONDS = 1000, 40, 2.0


@contextmanager
def counted_queries(database):
    """Count every statement ``database`` runs inside the block."""
    statements = []
    original = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counting
    try:
        yield statements
    finally:
        del database.execute_sql


def id_number(n):
    from services.records.validators import id_check_char

    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n // 500)
    first17 = f"110101{birth:%Y%m%d}{n % 500:03d}"
    return first17 + id_check_char(first17)


def make_world(learners, start):
    """Two institutions, a rule of A from B's catalogue achievement, ``learners`` learners of B
    holding it."""
    import models as m

    tag = f"{start}"
    a = m.Institution.create(name=f"甲学院{tag}", kind="college")
    b = m.Institution.create(name=f"乙学院{tag}", kind="college")
    staff = m.User.create(role=m.Role.INSTITUTION, username=f"b{tag}", real_name="乙管理员", institution=b)
    category = m.Category.get(m.Category.code == "course")
    catalogue_achievement = m.CatalogueAchievement.create(project_name="项目", name=f"乙证书{tag}", institution=b,
                                                          category=category)
    course = m.CatalogueAchievement.create(project_name="项目", name=f"甲课程{tag}", institution=a, category=category)
    method = m.ConversionMethod.create(institution=a, name="办法", status=m.PublishStatus.PUBLISHED)
    rule = m.ConversionRule.create(code=f"2026{start:08d}", name="规则", rule_type=m.RuleType.DEGREE_TO_DEGREE,
                                   institution=a, method=method, status=m.RuleStatus.PUBLISHED)
    m.RuleSource.create(rule=rule, catalogue=catalogue_achievement)
    m.RuleTarget.create(rule=rule, catalogue=course)
    users = [
        {"role": m.Role.LEARNER, "real_name": f"学员{n}", "id_number": id_number(n), "username": None,
         "phone": f"138{n:08d}"}
        for n in range(start, start + learners)
    ]
    for chunk in range(0, len(users), 500):
        m.User.insert_many(users[chunk:chunk + 500]).execute()
    ids = [u.id for u in m.User.select(m.User.id).where(m.User.id_number.in_([u["id_number"] for u in users]))]
    rows = [
        {"learner": uid, "catalogue": catalogue_achievement.id, "category": category.id,
         "name": catalogue_achievement.name, "status": m.AchievementStatus.CATALOGUE,
         "source": m.AchievementSource.INSTITUTION, "stored_by": b.id}
        for uid in ids
    ]
    for chunk in range(0, len(rows), 500):
        m.LearnerAchievement.insert_many(rows[chunk:chunk + 500]).execute()
    reviewer = m.User.create(role=m.Role.INSTITUTION, username=f"a{tag}", real_name="甲管理员", institution=a)
    return b, rule, staff, reviewer


def measure(learners, start):
    """((submit queries, seconds), (decision queries, seconds)) for ``learners`` learners."""
    from models import db
    from services import ledger

    institution, rule, staff, reviewer = make_world(learners, start)
    holders = ledger.batch_holders(institution.id, rule.id)
    began = time.perf_counter()
    with counted_queries(db.obj) as statements:
        batch = ledger.submit_batch(institution, rule, holders, staff)
    submitted = (len(statements), time.perf_counter() - began)
    assert batch.created == learners, (batch.created, learners)
    began = time.perf_counter()
    with counted_queries(db.obj) as statements:
        decided = ledger.review_batch(batch, reviewer, True, "")
    assert decided == learners, (decided, learners)
    return submitted, (len(statements), time.perf_counter() - began)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database", default=None, help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args(argv)
    from app import create_app
    from models import db
    from services.core import database
    from services.seed import demo

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or "sqlite:///" + os.path.join(tmp, "bench.db")
        app = create_app({"DATABASE_URL": url, "UPLOAD_DIR": os.path.join(tmp, "uploads"), "SMS_BACKEND": "console"})
        with app.app_context():
            database.init_db()
            with db.connection_context():
                demo.seed_reference()
                small = measure(SMALL, 1)
                large = measure(args.rows, 100_000)
                thousand = measure(DECISION_SIZE, 300_000)
    print(f"{'step':>8} {'learners':>10} {'queries':>8} {'seconds':>8}")
    for size, steps in ((SMALL, small), (args.rows, large), (DECISION_SIZE, thousand)):
        for name, (queries, seconds) in zip(("submit", "decide"), steps, strict=True):
            print(f"{name:>8} {size:>10} {queries:>8} {seconds:>8.3f}")
    failed = False
    if large[0][0] > small[0][0]:
        print(f"FAIL: submit ran {large[0][0]} queries for {args.rows} learners, {small[0][0]} for {SMALL}: "
              "not set-based")
        failed = True
    # A decision's bulk inserts are paged (at most 32 766 values a statement): a few more
    # statements at thousands of learners, never one per learner.
    if large[1][0] > DECISION_QUERIES:
        print(f"FAIL: deciding {args.rows} learners ran {large[1][0]} queries (target ≤ {DECISION_QUERIES})")
        failed = True
    queries, seconds = thousand[1]
    if queries > DECISION_QUERIES or seconds > DECISION_SECONDS:
        print(f"FAIL: deciding {DECISION_SIZE} learners took {queries} queries and {seconds:.2f} s "
              f"(target ≤ {DECISION_QUERIES} and ≤ {DECISION_SECONDS} s)")
        failed = True
    if not failed:
        print("OK: both steps are set-based; the decision of 1 000 learners meets its target")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
