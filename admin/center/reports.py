"""统计报表 (center, 系统管理): a measure by a dimension over a month, quarter or year, as a
table and a chart; each row drills down to the records it counted; 导出 writes the table
(every measure) through the export job. Figures come from the aggregates that
services/reports/build.py rebuilds from the records; the page says when, and 立即更新
queues a rebuild."""
import logging

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import fn

from admin.center.base import CenterModelView
from admin.excel import ExcelMixin
from models import Application, ApplicationKind, ApplicationStatus, LearnerAchievement, ReportCell
from services import excel
from services.background import queue
from services.records.validators import mask_id, mask_name
from services.reports import build, query
from services.reports import dimensions as d

log = logging.getLogger(__name__)


class Choice:
    """The report asked for by the query string, with defaults; ``error`` when the
    measure is not counted by the dimension."""

    def __init__(self, args, periods):
        self.period = args.get("period") if args.get("period") in d.PERIODS else d.MONTH
        options = periods.get(self.period, [])
        self.value = args.get("value") if args.get("value") in options else (options[0] if options else "")
        self.dimension = args.get("dimension") if args.get("dimension") in d.DIMENSIONS else d.INSTITUTION
        self.measure = args.get("measure") if args.get("measure") in d.MEASURES else d.STORED
        self.months = d.months_of(self.period, self.value) if self.value else []
        self.error = None if d.applies(self.measure, self.dimension) else _(
            "%(measure)s is counted over learner achievements, which have no %(dimension)s; choose another "
            "dimension.", measure=d.MEASURES[self.measure], dimension=d.DIMENSIONS[self.dimension])

    def args(self, **more):
        return {"period": self.period, "value": self.value, "dimension": self.dimension, "measure": self.measure,
                **more}


class ReportView(ExcelMixin, CenterModelView):
    can_view_details = False
    export_name = _l("Statistics report")

    def scope(self, query):
        return query

    def _choice(self):
        return Choice(request.args, query.periods())

    @expose("/")
    def index_view(self):
        periods = query.periods()
        choice = Choice(request.args, periods)
        report = query.run(choice.dimension, choice.measure, choice.months) \
            if choice.months and not choice.error else None
        return self.render(
            "admin/center/reports.html", choice=choice, report=report, periods=periods, built=build.last_build(),
            dimensions=d.DIMENSIONS, measures=d.MEASURES, period_kinds=d.PERIODS, form=FlaskForm(),
            chart={"labels": [r["label"] for r in report.rows[:30]], "values": [r["value"] for r in report.rows[:30]],
                   "label": str(d.MEASURES[choice.measure])} if report else None,
        )

    @expose("/refresh/", methods=("POST",))
    def refresh_view(self):
        """立即更新: queue a rebuild of the aggregates (the consumer runs it)."""
        if not FlaskForm().validate_on_submit():
            abort(400)
        try:
            queue.enqueue("rebuild_reports_now", current_user.id)
        except queue.QueueUnavailable as error:
            # Nothing is lost (the figures stay as built, and the periodic rebuild comes
            # back with the queue), but the person asked for now: say it did not happen.
            log.warning("report rebuild not queued: %s", error)
            flash(_("The job queue is not answering, so the figures could not be brought up to date now; "
                    "please try again in a few minutes."), "error")
        else:
            flash(_("The figures are being brought up to date; reload the page in a minute."), "success")
        return redirect(self.get_url(".index_view", **request.args.to_dict()))

    @expose("/records/")
    def drill_view(self):
        """The records behind one row of a report, newest first, a page at a time."""
        choice = self._choice()
        if not choice.months or choice.error:
            abort(404)
        key = request.args.get("key", "")
        after = None
        if request.args.get("after_id", "").isdigit() and request.args.get("after_at"):
            try:
                import datetime as dt

                after = (dt.datetime.fromisoformat(request.args["after_at"]), int(request.args["after_id"]))
            except ValueError:
                after = None
        rows, following = query.drill(choice.dimension, choice.measure, choice.months, key, after)
        label = d.labels(choice.dimension, [key])[key]
        return self.render(
            "admin/center/report_records.html", choice=choice, rows=rows, label=label, key=key,
            following=following, achievements=choice.measure in d.ACHIEVEMENT_MEASURES, dimensions=d.DIMENSIONS,
            measures=d.MEASURES, mask_id=mask_id, mask_name=mask_name, LearnerAchievement=LearnerAchievement,
            ApplicationKind=ApplicationKind, ApplicationStatus=ApplicationStatus, Application=Application,
        )

    # --- 导出: the table of the chosen dimension and period, every measure ---------------------

    def export_query(self):
        choice = self._choice()
        # Only the grouped key: PostgreSQL refuses other bare columns beside GROUP BY (the
        # export job counts this query; export_columns selects the sums).
        return (ReportCell.select(ReportCell.key).where(ReportCell.dimension == choice.dimension,
                                                        ReportCell.month.in_(choice.months or [""]))
                .group_by(ReportCell.key).order_by(ReportCell.key))

    @property
    def export_columns(self):
        choice = self._choice()
        keys = [k for (k,) in self.export_query().select(ReportCell.key).tuples()]
        names = d.labels(choice.dimension, keys)
        middle, _hours = query.medians(choice.dimension, choice.months or [""])
        passed, decided = fn.SUM(ReportCell.passed), fn.SUM(ReportCell.decided)
        return (
            excel.ExportColumn(str(d.DIMENSIONS[choice.dimension]), ReportCell.key, convert=lambda k: names.get(k, k)),
            excel.ExportColumn(str(d.MEASURES[d.STORED]), fn.SUM(ReportCell.stored), excel.NUMBER),
            excel.ExportColumn(str(d.MEASURES[d.RECOGNISED]), fn.SUM(ReportCell.recognised), excel.NUMBER),
            excel.ExportColumn(str(d.MEASURES[d.APPLICATIONS]), fn.SUM(ReportCell.applications), excel.NUMBER),
            excel.ExportColumn(str(_l("Decided")), decided, excel.NUMBER),
            excel.ExportColumn(str(_l("Passed")), passed, excel.NUMBER),
            excel.ExportColumn(str(d.MEASURES[d.PASS_RATE]),
                               fn.ROUND(100.0 * passed / fn.NULLIF(decided, 0), 1), excel.NUMBER),
            # The median is read from the counts per hour, outside SQL: the key's text.
            excel.ExportColumn(str(d.MEASURES[d.MEDIAN_HOURS]), ReportCell.key,
                               convert=lambda k: "" if middle.get(k) is None else str(middle[k])),
            excel.ExportColumn(str(d.MEASURES[d.CREDITS]), fn.SUM(ReportCell.credits), excel.NUMBER),
        )


def register(admin, menu):
    admin.add_view(ReportView(ReportCell, name=_l("Statistics reports"), category=menu, endpoint="center_reports"))
