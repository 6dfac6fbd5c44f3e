"""A report read from the aggregates, and its drill-down into the records.

A report sums the cells of one dimension over the months of a period (a few hundred rows
whatever the number of records); the median review time is read from the counts per
whole hour. The drill-down lists the records behind one row of a report, newest first,
a page at a time from the records themselves, through the same key expressions."""
from dataclasses import dataclass, field

from peewee import JOIN, fn

from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Institution,
    LearnerAchievement,
    ReportCell,
    ReportHours,
    User,
)
from services.reports import dimensions as d

PAGE = 50
SourceInstitution = Institution.alias("drill_institution")


@dataclass
class Report:
    dimension: str
    measure: str
    months: list
    rows: list = field(default_factory=list)  # [{"key", "label", "value", "stored", …}]
    total: object = None


def periods():
    """{kind: [period, …] newest first} of the months the aggregates hold."""
    months = [m for (m,) in ReportCell.select(ReportCell.month).distinct().tuples()]
    return {kind: sorted({d.period_of(kind, m) for m in months if m}, reverse=True) for kind in d.PERIODS}


def _sums(dimension, months):
    query = (ReportCell.select(ReportCell.key, fn.SUM(ReportCell.stored), fn.SUM(ReportCell.recognised),
                               fn.SUM(ReportCell.applications), fn.SUM(ReportCell.decided),
                               fn.SUM(ReportCell.passed), fn.SUM(ReportCell.credits))
             .where(ReportCell.dimension == dimension, ReportCell.month.in_(months))
             .group_by(ReportCell.key).tuples())
    names = ("stored", "recognised", "applications", "decided", "passed", "credits")
    return {key: dict(zip(names, (v or 0 for v in values), strict=True)) for key, *values in query}


def median_of(counts):
    """The lower median of values given as {value: how many}; None for none."""
    total = sum(counts.values())
    if not total:
        return None
    seen, middle = 0, (total + 1) // 2
    for value in sorted(counts):
        seen += counts[value]
        if seen >= middle:
            return value
    return None


def medians(dimension, months):
    """{key: median whole hours} from the review-time counts."""
    per_key = {}
    for key, hours, count in (ReportHours.select(ReportHours.key, ReportHours.hours, fn.SUM(ReportHours.count))
                              .where(ReportHours.dimension == dimension, ReportHours.month.in_(months))
                              .group_by(ReportHours.key, ReportHours.hours).tuples()):
        per_key.setdefault(key, {})[hours] = count
    return {key: median_of(counts) for key, counts in per_key.items()}, per_key


def pass_rate(passed, decided):
    return round(100 * passed / decided, 1) if decided else None


def _value(measure, sums, median):
    if measure == d.PASS_RATE:
        return pass_rate(sums["passed"], sums["decided"])
    if measure == d.MEDIAN_HOURS:
        return median
    if measure == d.CREDITS:
        return float(sums["credits"])
    return sums[measure]


def run(dimension, measure, months):
    """The report: one row per key with a figure, largest first, and the total."""
    sums = _sums(dimension, months)
    middle, hours = medians(dimension, months)
    names = d.labels(dimension, list(sums))
    rows = []
    for key, figures in sums.items():
        value = _value(measure, figures, middle.get(key))
        if value in (None, 0) and not figures.get(_basis(measure)):
            continue
        rows.append({"key": key, "label": names[key], "value": value, **figures,
                     "pass_rate": pass_rate(figures["passed"], figures["decided"]), "median_hours": middle.get(key)})
    rows.sort(key=lambda r: (-(r["value"] or 0), r["label"]))
    every = {name: sum(s[name] for s in sums.values()) for name in ("stored", "recognised", "applications", "decided",
                                                                     "passed", "credits")}
    merged = {}
    for counts in hours.values():
        for value, count in counts.items():
            merged[value] = merged.get(value, 0) + count
    total = _value(measure, every, median_of(merged)) if sums else None
    return Report(dimension, measure, months, rows, total)


def _basis(measure):
    """The count a row needs to be shown for ``measure``."""
    return {d.STORED: "stored", d.RECOGNISED: "stored", d.APPLICATIONS: "applications"}.get(measure, "decided")


# --- drill-down ----------------------------------------------------------------------------


def drill(dimension, measure, months, key, after=None):
    """One page (``PAGE``) of the records behind a report row, newest first; ``after`` is
    the (timestamp, id) of the last row of the previous page. Returns (rows, next)."""
    start, end = d.bounds(months)
    wanted = d.key_value(dimension, key)
    if measure in d.ACHIEVEMENT_MEASURES:
        moment = LearnerAchievement.created_at
        query, expression = d.achievement_key(
            LearnerAchievement.select(LearnerAchievement, User, SourceInstitution)
            .join(User, on=(LearnerAchievement.learner == User.id))
            .switch(LearnerAchievement)
            .join(SourceInstitution, JOIN.LEFT_OUTER, on=(LearnerAchievement.institution == SourceInstitution.id),
                  attr="institution")
            .switch(LearnerAchievement), dimension)
        query = query.where(moment >= start, moment < end)
        if measure == d.RECOGNISED:
            query = query.where(LearnerAchievement.status.in_(d.STANDING))
        model = LearnerAchievement
    else:
        moment = Application.submitted_at if measure == d.APPLICATIONS else Application.decided_at
        query, expression = d.application_key(
            Application.select(Application, User).join(User, on=(Application.learner == User.id))
            .switch(Application), dimension)
        query = query.where(moment >= start, moment < end)
        if measure != d.APPLICATIONS:
            query = query.where(Application.status.in_(d.DECIDED))
        if measure == d.CREDITS:
            query = query.where(Application.status == ApplicationStatus.PASSED,
                                Application.kind != ApplicationKind.RECOGNITION)
        model = Application
    query = query.where(expression.is_null() if wanted is None else expression == wanted)
    if after is not None:
        query = query.where((moment < after[0]) | ((moment == after[0]) & (model.id < after[1])))
    rows = list(query.order_by(moment.desc(), model.id.desc()).limit(PAGE + 1))
    more = rows[PAGE:] and rows[PAGE - 1]
    rows = rows[:PAGE]
    following = None
    if more:
        following = (getattr(more, moment.name), more.id)
    return rows, following
