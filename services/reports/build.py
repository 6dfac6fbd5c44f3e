"""The aggregates behind 统计报表, rebuilt from the records by a periodic job.

Why a periodic rebuild and not counters kept on write: the figures depend on states that
change long after a record is written — a conversion revoked this week takes its credits
out of the month it passed, a withdrawn achievement leaves 已认定 — and records are
written by many paths (forms, four imports, the API, set-based batch decisions, the
ledger's revocation chains). Counters on write would need each of those paths to know
every cell it touches, would serialise busy writers on a few hot rows, and could drift;
a rebuild reads the records as they are, so it cannot. It groups every achievement and
application once per dimension in the database (a few seconds at a million
achievements), then replaces the cells in one short transaction. A report reads a few
hundred cells (within milliseconds at any size) and says when they were built; the job
runs every ``REPORTS_EVERY_MINUTES`` (10) and the center can ask for a rebuild at once.
"""
import time

from peewee import JOIN, Case, fn

from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    LearnerAchievement,
    ReportBuild,
    ReportCell,
    ReportHours,
    RuleTarget,
    db,
)
from services.core import audit, bulk
from services.core.database import transaction
from services.reports import dimensions as d

TargetCatalogueAchievement = CatalogueAchievement.alias("report_target_catalogue_achievement")


def _key(value):
    return "" if value is None else str(value)


def _hours():
    """Whole hours from submission to decision, on either database."""
    if "postgres" in type(db.obj).__name__.lower():
        seconds = fn.date_part("epoch", Application.decided_at - Application.submitted_at)
        return fn.FLOOR(seconds / 3600).cast("INTEGER")
    days = fn.julianday(Application.decided_at) - fn.julianday(Application.submitted_at)
    return (days * 24).cast("INTEGER")


def _rule_credits():
    """Per rule, the credits of its targets (a derived table joined once)."""
    return (RuleTarget.select(RuleTarget.rule.alias("rule_id"), fn.SUM(CatalogueAchievement.credits).alias("credits"))
            .join(CatalogueAchievement, on=(RuleTarget.catalogue == CatalogueAchievement.id))
            .group_by(RuleTarget.rule)).alias("report_rule_credits")


def _achievements(cells):
    month = d.month_of(LearnerAchievement.created_at)
    standing = fn.SUM(Case(None, [(LearnerAchievement.status.in_(d.STANDING), 1)], 0))
    for dimension in d.ACHIEVEMENT_DIMENSIONS:
        query, key = d.achievement_key(LearnerAchievement.select(), dimension)
        rows = query.select(month, key, fn.COUNT(LearnerAchievement.id), standing).group_by(month, key).tuples()
        for value, found, stored, recognised in rows:
            cell = cells.setdefault((value, dimension, _key(found)), {})
            cell.update(stored=stored, recognised=int(recognised or 0))


def _applications(cells, hours):
    submitted = d.month_of(Application.submitted_at)
    decided = d.month_of(Application.decided_at)
    passed = Application.status == ApplicationStatus.PASSED
    for dimension in d.DIMENSIONS:
        query, key = d.application_key(Application.select(), dimension)
        for value, found, count in query.select(submitted, key, fn.COUNT(Application.id)).group_by(submitted, key).tuples():
            cells.setdefault((value, dimension, _key(found)), {})["applications"] = count
        rule_credits = _rule_credits()
        query, key = d.application_key(Application.select(), dimension)
        query = (query.switch(Application)
                 .join(rule_credits, JOIN.LEFT_OUTER, on=(rule_credits.c.rule_id == Application.rule))
                 .switch(Application)
                 .join(TargetCatalogueAchievement, JOIN.LEFT_OUTER,
                       on=(Application.target == TargetCatalogueAchievement.id))
                 .where(Application.status.in_(d.DECIDED), Application.decided_at.is_null(False)))
        granted = passed & (Application.kind != ApplicationKind.RECOGNITION)
        target_credits = fn.COALESCE(rule_credits.c.credits, TargetCatalogueAchievement.credits, 0)
        credits = fn.SUM(Case(None, [(granted, target_credits)], 0))
        rows = (query.select(decided, key, fn.COUNT(Application.id), fn.SUM(Case(None, [(passed, 1)], 0)), credits)
                .group_by(decided, key).tuples())
        for value, found, count, passes, converted in rows:
            cells.setdefault((value, dimension, _key(found)), {}).update(
                decided=count, passed=int(passes or 0), credits=converted or 0)
        query, key = d.application_key(Application.select(), dimension)
        taken = _hours()
        rows = (query.select(decided, key, taken, fn.COUNT(Application.id))
                .where(Application.status.in_(d.DECIDED), Application.decided_at.is_null(False))
                .group_by(decided, key, taken).tuples())
        for value, found, spent, count in rows:
            bucket = (value, dimension, _key(found), max(int(spent or 0), 0))
            hours[bucket] = hours.get(bucket, 0) + count


def rebuild(user=None):
    """Replace every aggregate with the figures of the records now. Returns the build row."""
    started = time.monotonic()
    cells, hours = {}, {}
    _achievements(cells)
    _applications(cells, hours)
    achievements = sum(c.get("stored", 0) for (_m, dim, _k), c in cells.items() if dim == d.INSTITUTION)
    applications = sum(c.get("applications", 0) for (_m, dim, _k), c in cells.items() if dim == d.STAGE)
    with transaction():
        if "postgres" in type(db.obj).__name__.lower():
            db.execute_sql('LOCK TABLE "report_cell" IN EXCLUSIVE MODE')  # one rebuild at a time
        ReportCell.delete().execute()
        ReportHours.delete().execute()
        bulk.insert_chunked(ReportCell, (
            {"month": m, "dimension": dim, "key": k, "stored": c.get("stored", 0),
             "recognised": c.get("recognised", 0), "applications": c.get("applications", 0),
             "decided": c.get("decided", 0), "passed": c.get("passed", 0), "credits": c.get("credits", 0)}
            for (m, dim, k), c in cells.items() if m))
        bulk.insert_chunked(ReportHours, (
            {"month": m, "dimension": dim, "key": k, "hours": h, "count": n}
            for (m, dim, k, h), n in hours.items() if m))
        build = ReportBuild.create(seconds=round(time.monotonic() - started, 2), achievements=achievements,
                                   applications=applications)
        if user is not None:
            audit.record("reports_rebuilt", build, user=user)
    return build


def last_build():
    return ReportBuild.select().order_by(ReportBuild.id.desc()).first()
