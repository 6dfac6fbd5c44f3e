"""The indexes the lists rely on exist, on SQLite and on PostgreSQL, in a
fresh database and after migration 9 (from a database with the version-8 indexes), and
as migration 17 left them (the 待审核 ones ending with the id)."""
import re
from contextlib import contextmanager

import pytest
from playhouse.migrate import make_index_name

import migrations
from migrations import (
    tools,
    v09_list_indexes,
    v11_application_owners,
    v17_cover_pending_tabs,
    v21_real_shapes,
    v27_rare_combinations,
    v28_application_kind_combinations,
    v29_audit_log_in_time_order,
    v31_institution_search_by_learner,
    v33_outboxes_in_time_order,
)
from models import MODELS, SchemaVersion, db
from models.base import prepares_a_statement
from services.core import database


@contextmanager
def migrated_from(version):
    """Run the migrations above ``version`` (the stored version is put back afterwards)."""
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=version)
    try:
        assert database.init_db() == migrations.LATEST
        yield
    finally:
        SchemaVersion.delete().execute()
        SchemaVersion.create(version=migrations.LATEST)


def index_names(table):
    return {index.name for index in db.get_indexes(table)}


def stored_name(table, columns):
    """The index's name as the database keeps it: PostgreSQL keeps the first 63 bytes of a
    longer one (peewee shortens names only past 64)."""
    limit = 63 if "postgres" in type(db.obj).__name__.lower() else None
    return make_index_name(table, columns)[:limit]


def expected():
    return [(table, stored_name(table, columns)) for table, columns in migrations.list_indexes()]


def test_a_fresh_database_has_the_list_indexes(app):
    missing = [(table, name) for table, name in expected() if name not in index_names(table)]
    assert not missing
    if "postgres" in type(db.obj).__name__.lower():
        for table, column in tools.PATTERN_INDEXES:
            assert f"{table}_{column}_prefix" in index_names(table)


def test_the_model_indexes_are_the_migration_indexes(app):
    """A fresh database (models) and a migrated one (the steps' indexes) end up alike."""
    declared = {
        (model._meta.table_name, stored_name(model._meta.table_name, [f.column_name for f in index._expressions]))
        for model in MODELS
        for index in model._meta.fields_to_index()
        if len(index._expressions) > 1 or model._meta.table_name == "sms_outbox"
    }
    assert set(expected()) <= declared


def test_migration_9_adds_the_list_indexes(app):
    for table, columns in v09_list_indexes.INDEXES:
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, columns)}"')
    db.execute_sql('CREATE INDEX IF NOT EXISTS "application_kind_status" ON "application" ("kind", "status")')
    with migrated_from(8):
        missing = [(table, name) for table, name in expected() if name not in index_names(table)]
        assert not missing
        assert "application_kind_status" not in index_names("application")


def test_migration_11_names_each_applications_institutions(reference):
    """Rows written before version 11 get their receiver (the rule's institution) and
    initiator (the batch's) from the migration; rows written after, when saved."""
    from models import Application, ApplicationKind, ConversionBatch
    from tests import factories

    college, other = factories.make_institution(), factories.make_institution()
    catalogue_achievement = factories.make_catalogue(institution=other)
    rule = factories.make_rule([catalogue_achievement], [factories.make_catalogue(institution=college)],
                               institution=college)
    learner = factories.make_learner()
    achievement = factories.make_achievement(learner, catalogue_achievement)
    batch = ConversionBatch.create(institution=other, rule=rule)
    own = Application.create(kind=ApplicationKind.CONVERSION, learner=learner, achievement=achievement, rule=rule)
    batched = Application.create(kind=ApplicationKind.BATCH, learner=learner, achievement=achievement, rule=rule,
                                 batch=batch)
    assert (own.receiver_id, own.initiator_id) == (college.id, None)
    assert (batched.receiver_id, batched.initiator_id) == (college.id, other.id)

    Application.update(receiver=None, initiator=None).execute()
    for table, columns in v11_application_owners.INDEXES:
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, columns)}"')
    with migrated_from(10):
        assert not [name for table, name in expected() if name not in index_names(table)]
        rows = dict(Application.select(Application.id, Application.receiver).tuples())
        assert rows[own.id] == rows[batched.id] == college.id
        assert Application.get_by_id(batched.id).initiator_id == other.id
        assert Application.get_by_id(own.id).initiator_id is None


def test_migration_16_covers_the_duplicates_list(app):
    """Both a fresh database and one migrated from version 15 hold the flagged rows'
    index with every column the 重复证书 list reads, and not the narrower one it replaces."""
    assert "learner_achievement_duplicates_listed" in index_names("learner_achievement")
    db.execute_sql('DROP INDEX "learner_achievement_duplicates_listed"')
    db.execute_sql('CREATE INDEX "learner_achievement_duplicates_by_time" ON "learner_achievement" ("created_at") '
                   "WHERE duplicate_of IS NOT NULL")
    with migrated_from(15):
        names = index_names("learner_achievement")
        assert "learner_achievement_duplicates_listed" in names and "learner_achievement_duplicates_by_time" not in names
        columns = {i.name: i.columns for i in db.get_indexes("learner_achievement")}
        assert columns["learner_achievement_duplicates_listed"] == [
            "created_at", "learner_id", "certificate_key", "stored_by_id", "duplicate_of", "id"]
        assert columns["learner_achievement_duplicates_by_number"] == [
            "certificate_key", "created_at", "learner_id", "stored_by_id", "duplicate_of", "id"]


def test_migration_17_ends_the_pending_tab_indexes_with_the_id(app):
    """From version 16 (the indexes without the id), migration 17 adds the longer ones and
    drops the shorter, whose every use the longer serves."""
    for table, columns in v17_cover_pending_tabs.COVERED:
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, (*columns, "id"))}"')
        db.execute_sql(f'CREATE INDEX "{make_index_name(table, columns)}" ON "{table}" '
                       f'({", ".join(columns)})')
    with migrated_from(16):
        names = index_names("application")
        for table, columns in v17_cover_pending_tabs.COVERED:
            assert stored_name(table, (*columns, "id")) in names and stored_name(table, columns) not in names


def _statistics_target(table, column):
    return db.execute_sql("SELECT attstattarget FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
                          (f'"{table}"', column)).fetchone()[0]


def test_postgres_keeps_fine_statistics_of_searched_names(app):
    """A fresh PostgreSQL database and one migrated from version 17 keep 1 000 histogram
    buckets on the prefix-searched names, so the planner's guess of a prefix's rows stays
    near the truth (SQLite is told by ``rare``/``common`` instead)."""
    import pytest

    if "postgres" not in type(db.obj).__name__.lower():
        pytest.skip("PostgreSQL's planner statistics")
    assert all(_statistics_target(t, c) == 1000 for t, c in tools.PREFIX_STATISTICS)
    for table, column in tools.PREFIX_STATISTICS:
        db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS -1')
    with migrated_from(17):
        assert all(_statistics_target(t, c) == 1000 for t, c in tools.PREFIX_STATISTICS)


def test_migration_21_replaces_and_adds_the_indexes_and_fills_the_initial_review_time(reference):
    """From version 20: the shorter indexes version 21 replaces are dropped, its new ones
    added, and each decided learner conversion gets its initial review's time."""
    from models import Application, ApplicationKind, ApplicationStatus, Decision, ReviewRecord, ReviewStage
    from tests import factories

    learner = factories.make_learner()
    application = Application.create(kind=ApplicationKind.CONVERSION, learner=learner,
                                      achievement=factories.make_achievement(learner),
                                      status=ApplicationStatus.INITIAL_PASSED, decided_stage=ReviewStage.INITIAL)
    review = ReviewRecord.create(application=application, stage=ReviewStage.INITIAL, decision=Decision.AGREE,
                                 opinion="同意")
    assert Application.get_by_id(application.id).initial_reviewed_at == review.created_at  # kept when written
    Application.update(initial_reviewed_at=None).execute()
    for (table, old), (_table, new) in v21_real_shapes.REPLACED:
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, new)}"')
        db.execute_sql(f'CREATE INDEX "{make_index_name(table, old)}" ON "{table}" ({", ".join(old)})')
    for table, columns in v21_real_shapes.INDEXES:
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, columns)}"')
    with migrated_from(20):
        names = {table: index_names(table) for table in ("application", "learner_achievement")}
        for (table, old), (_table, new) in v21_real_shapes.REPLACED:
            assert stored_name(table, new) in names[table] and stored_name(table, old) not in names[table]
        assert all(stored_name(table, columns) in names[table] for table, columns in v21_real_shapes.INDEXES)
        assert Application.get_by_id(application.id).initial_reviewed_at == review.created_at


def test_postgres_keeps_fine_statistics_of_skewed_columns(app):
    import pytest

    if "postgres" not in type(db.obj).__name__.lower():
        pytest.skip("PostgreSQL's planner statistics")
    assert all(_statistics_target(t, c) == 1000 for t, c in v21_real_shapes.SKEWED_STATISTICS)
    for table, column in v21_real_shapes.SKEWED_STATISTICS:
        db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS -1')
    with migrated_from(20):
        assert all(_statistics_target(t, c) == 1000 for t, c in v21_real_shapes.SKEWED_STATISTICS)



def _combined_statistics():
    return {row[0] for row in db.execute_sql("SELECT stxname FROM pg_statistic_ext").fetchall()}


def _at_the_newest_version(index):
    """(table, columns) that serve what a step's new index served: a later step may have
    replaced it (version 29 put 审计日志's (user_id, id) in time order)."""
    return dict(v29_audit_log_in_time_order.REPLACED).get(index, index)


def test_migration_27_orders_a_users_audit_entries_and_combines_learner_statistics(app):
    """From version 26: 审计日志's (user_id) becomes (user_id, id); PostgreSQL keeps the
    institution-and-status combinations of accounts (fresh databases have both too)."""
    postgres = "postgres" in type(db.obj).__name__.lower()
    names = [name for name, _table, _columns in v27_rare_combinations.COMBINED_STATISTICS]
    if postgres:
        assert set(names) <= _combined_statistics()
        for name in names:
            db.execute_sql(f'DROP STATISTICS "{name}"')
    for (table, old), (_table, new) in v27_rare_combinations.REPLACED:
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, new)}"')
        db.execute_sql(f'CREATE INDEX "{make_index_name(table, old)}" ON "{table}" ({", ".join(old)})')
    with migrated_from(26):
        for (table, old), new in v27_rare_combinations.REPLACED:
            assert stored_name(*_at_the_newest_version(new)) in index_names(table)
            assert stored_name(table, old) not in index_names(table)
        if postgres:
            assert set(names) <= _combined_statistics()



def test_migration_28_combines_an_applications_kind_with_its_status_and_deciding_stage(app):
    """From version 27: PostgreSQL keeps the (kind, status) and (kind, decided_stage)
    combinations of applications, in a fresh database and after the step; SQLite has no
    extended statistics and the step leaves it as it was."""
    names = {name for name, _table, _columns in v28_application_kind_combinations.COMBINED_STATISTICS}
    if "postgres" not in type(db.obj).__name__.lower():
        with migrated_from(27):
            pass
        return
    assert names <= _combined_statistics()
    for name in names:
        db.execute_sql(f'DROP STATISTICS "{name}"')
    with migrated_from(27):
        assert names <= _combined_statistics()


@pytest.mark.parametrize("before, replaced", [
    (28, v29_audit_log_in_time_order.REPLACED),  # 审计日志: (created_at, id), (user_id, created_at, id)
    (32, v33_outboxes_in_time_order.REPLACED),  # the outboxes: (purpose | status, created_at)
], ids=["29 audit log", "33 outboxes"])
def test_migrations_29_and_33_read_lists_in_time_order(app, before, replaced):
    """From the version before the step: each replaced index gives way to its time-ordered one."""
    for (table, old), (_table, new) in replaced:
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, new)}"')
        db.execute_sql(f'CREATE INDEX "{make_index_name(table, old)}" ON "{table}" ({", ".join(old)})')
    with migrated_from(before):
        for (table, old), (_table, new) in replaced:
            assert stored_name(table, new) in index_names(table)
            assert stored_name(table, old) not in index_names(table)


def test_migration_31_finds_an_institution_s_rows_of_a_learner(app):
    """From version 30: 学员成果's name search reads (stored_by_id, learner_id)."""
    for table, columns in v31_institution_search_by_learner.INDEXES:
        db.execute_sql(f'DROP INDEX IF EXISTS "{make_index_name(table, columns)}"')
    with migrated_from(30):
        for table, columns in v31_institution_search_by_learner.INDEXES:
            assert stored_name(table, columns) in index_names(table)


# --- the plans: each ordered read is served by its index, in order, on both databases ---

# (user, path, table the page's ordered read is on, the index that must serve it in order)
ORDERED_READS = [
    ("learner", "/me/", "learner_achievement", ("learner_id", "created_at", "id")),
    ("center", "/admin/audit_log/?flt0_0=center", "audit_log", ("user_id", "created_at", "id")),
    ("center", "/admin/audit_log/", "audit_log", ("created_at", "id")),
    ("center", "/admin/sms_outbox/?flt0_4=2025-01-01+00%3A00%3A00", "sms_outbox", ("created_at",)),
    ("center", "/admin/sms_outbox/?flt0_0=register", "sms_outbox", ("purpose", "created_at")),
    ("center", "/admin/sms_outbox/?flt0_1=failed", "sms_outbox", ("status", "created_at")),
    ("learner", "/me/performance", "application", ("learner_id", "submitted_at", "id")),
    ("reviewer", "/admin/recognition_review/?tab=done&sort={decided_at}&desc=1", "application",
     ("teaching_point_id", "kind", "decided_stage", "decided_at", "id")),
    ("committee", "/admin/final_review/?tab=done&sort={decided_at}", "application",
     ("kind", "decided_stage", "decided_at", "id")),
    ("center", "/admin/initial_review/?tab=done&sort={decided_at}&desc=1", "application",
     ("kind", "initial_reviewed_at", "decided_stage", "id")),
    ("reviewer", "/admin/initial_review/?tab=done&sort={decided_at}&desc=1", "application",
     ("teaching_point_id", "kind", "initial_reviewed_at", "decided_stage", "id")),
    ("api", "/api/v1/applications?direction=received&limit=5&cursor={cursor}", "application",
     ("receiver_id", "submitted_at", "id")),
    ("api", "/api/v1/applications?direction=initiated&limit=5", "application", ("initiator_id", "submitted_at", "id")),
    ("api", "/api/v1/records?direction=received&limit=5", "application", ("receiver_id", "decided_at", "id")),
]


def _captured(client, path, headers=None):
    statements = []
    original = db.obj.execute_sql

    def recording(sql, params=None, *args, **kwargs):
        statements.append((sql, params))
        return original(sql, params, *args, **kwargs)

    db.obj.execute_sql = recording
    try:
        response = client.get(path, headers=headers or {})
    finally:
        db.obj.execute_sql = original
    assert response.status_code == 200, (path, response.status_code)
    return statements, response


def _plan(sql, params):
    """The plan's lines; on PostgreSQL with sequential scans and sorts priced out, so that
    on a test-sized table it still shows whether an index can serve the read in order. The
    text of a statement kept prepared on the server is explained as its one plan for every
    value."""
    if "postgres" not in type(db.obj).__name__.lower():
        return [row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
    with db.atomic():
        db.execute_sql("SET LOCAL enable_seqscan = off")
        db.execute_sql("SET LOCAL enable_sort = off")
        db.execute_sql("SET LOCAL enable_bitmapscan = off")
        if "$1" not in sql:
            return [row[0] for row in db.execute_sql("EXPLAIN " + sql, params).fetchall()]
        db.execute_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        db.execute_sql(f"PREPARE explained AS {sql}")
        try:
            values = ", ".join(["%s"] * len(params))
            return [row[0] for row in db.execute_sql(f"EXPLAIN EXECUTE explained ({values})", params).fetchall()]
        finally:
            db.execute_sql("DEALLOCATE explained")


def _text(sql):
    """The statement's text; for the EXECUTE of one prepared on the server, what it runs."""
    if not sql.startswith("EXECUTE "):
        return sql
    statement = db.execute_sql("SELECT statement FROM pg_prepared_statements WHERE name = %s",
                               (sql.split()[1],)).fetchone()[0]
    return re.sub(r"^PREPARE \w+ AS ", "", statement)


# A statement that reads only its page's rows, by id (services.core.pagination): the
# ordered read is the subquery that chooses the ids; the page's 20 rows are sorted again.
PAGE_IDS = re.compile(r'WHERE \("t1"\."id" IN \((SELECT .*)\)\) ORDER BY [^()]*$')


def _ordered_reads(statements, table):
    reads = []
    for sql, params in statements:
        text = "" if prepares_a_statement(sql) else _text(sql)
        if f'FROM "{table}"' in text and "ORDER BY" in text and "COUNT(" not in text:
            page_ids = PAGE_IDS.search(text)
            reads.append((text if sql.startswith("EXECUTE ") else sql, params) if page_ids is None else
                         (page_ids.group(1), params))
    return reads


def test_each_list_s_ordered_read_is_served_by_its_index_in_order(app):
    """The page's ordered read of the table uses the index made for it, and no sort: at a
    million rows a sort would read every match (the heavy learner's /me/ on PostgreSQL
    walked the created_at index past 992 000 other learners' rows)."""
    from admin import flask_admin_adapter as fa
    from bench.scale import api, data, pages
    from services.seed import demo

    data.generate(1000, log=lambda line: None)
    database.analyse(full=True)
    token = api.api_token()
    clients = {}
    for user, path, table, columns in ORDERED_READS:
        if user not in clients:
            clients[user] = app.test_client()
            if user != "api":
                identity = pages.ROLES[user]
                clients[user].post("/login", data={"identity": identity, "identifier": user,
                                                   "password": demo.DEMO_PASSWORD})
        if "{decided_at}" in path:
            endpoint = path.split("/")[2]
            with app.test_request_context("/admin/"):
                view = next(v for v in pages.list_views(app) if v.endpoint == endpoint)
                path = path.format(decided_at=[n for n, _ in fa.list_columns(view)].index("decided_at"))
        headers = {"Authorization": f"Bearer {token}"} if user == "api" else None
        if "{cursor}" in path:  # a later page: the cursor's keyset condition joins the read
            _statements, first = _captured(clients[user], path.replace("&cursor={cursor}", ""), headers)
            path = path.format(cursor=first.get_json()["next_cursor"])
        statements, _response = _captured(clients[user], path, headers)
        reads = _ordered_reads(statements, table)
        assert reads, (path, "no ordered read")
        name = stored_name(table, columns)
        plans = [_plan(sql, params) for sql, params in reads]
        served = [plan for plan in plans if any(name in line for line in plan)]
        assert served, (path, name, plans)
        assert not any("TEMP B-TREE FOR ORDER BY" in line or line.lstrip(" ->").startswith("Sort")
                       for line in served[0]), (path, served[0])


def test_an_institution_s_name_search_reads_its_own_rows_of_those_learners(app):
    """学员成果 searched by a learner's full name: the count and the page's ids find the
    institution's rows of the namesakes through (stored_by_id, learner_id), rather than
    every namesake's rows, each looked up to see who stored it."""
    from urllib.parse import quote

    from bench.scale import data
    from services.seed import demo

    data.generate(1000, log=lambda line: None)
    database.analyse(full=True)
    client = app.test_client()
    client.post("/login", data={"identity": "institution", "identifier": "institution",
                                "password": demo.DEMO_PASSWORD})
    name = data.learner_name(data.sample_learner(data.sizes(1000, data.SHAPE)["learners"], data.SHAPE))
    statements, response = _captured(client, "/admin/inst_learner_achievements/?search=" + quote(name))
    assert name in response.get_data(as_text=True)
    searched = [(sql, params) for sql, params in statements
                if 'FROM "learner_achievement"' in sql and ("real_name\" LIKE" in sql or "real_name\" GLOB" in sql)]
    assert len(searched) == 1, searched  # the page's ids, counted by a window over the matches
    index = stored_name("learner_achievement", ("stored_by_id", "learner_id"))
    for sql, params in searched:
        plan = _plan(sql, params)
        assert any(index in line for line in plan), plan
