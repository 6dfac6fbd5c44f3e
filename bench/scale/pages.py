"""Which pages the scale benchmark times: every admin list of every demo role (first
page, a filtered page, a sorted page, searches by name, full ID number and phone, page
2 000, the last page, the 已审核 tab and its page 2 000), each role's home/dashboard, and
the learner's pages. Lists are found from the app's registered admin views, so a list
added later is timed too."""
from urllib.parse import quote

from flask_admin.model import BaseModelView

from admin import flask_admin_adapter as fa
from bench.scale.data import learner_id_number, learner_name, learner_phone

ROLES = {  # demo username: login identity
    "center": "person",
    "reviewer": "person",
    "committee": "person",
    "institution": "institution",
    "learner": "person",
}
LEARNER_PAGES = ("/me/", "/me/catalogue", "/me/recognition", "/me/conversions", "/me/performance", "/me/feedback",
                 "/me/inbox", "/me/record")
REPORTS = "center_reports"
DEEP_PAGE = 1999  # Flask-Admin pages count from 0: page 2 000


def list_views(app):
    return [view for view in fa.registered_views(app.extensions["admin"][0]) if isinstance(view, BaseModelView)]


def _filter_variant(view):
    for index, flt in enumerate(fa.list_filters(view)):
        options = flt.get_options(view)
        if options:
            return f"flt0_{index}={quote(str(options[0][0]))}"
    return None


def _sort_variant(view):
    default = fa.default_order(view)
    default_name = default[0][0] if default else None
    sortable = fa.sortable_columns(view)
    for index, (name, _label) in enumerate(fa.list_columns(view)):
        if name in sortable and name != default_name:
            return f"sort={index}&desc=1"
    return None


def _search_variants(view, sample):
    fields = {f.name: f for f in fa.search_fields(view)}
    variants = []
    if "real_name" in fields:
        variants.append(("search name", learner_name(sample)[:2]))
    elif set(fields) - {"id_number", "phone"}:  # a list searched by numbers only has no name search
        variants.append(("search name", "规模成果0012" if "name" in fields else "规模"))
    if "id_number" in fields:
        variants.append(("search ID", learner_id_number(sample)))
    if "phone" in fields:
        variants.append(("search phone", learner_phone(sample)))
    return variants


def admin_pages(app, sample):
    """{endpoint: [(variant, query string)]} for every admin list."""
    pages = {}
    with app.test_request_context("/admin/"):
        for view in list_views(app):
            variants = [("first", "")]
            flt = _filter_variant(view)
            if flt:
                variants.append(("filtered", flt))
            srt = _sort_variant(view)
            if srt:
                variants.append(("sorted", srt))
            variants += [(name, "search=" + quote(term)) for name, term in _search_variants(view, sample)]
            variants += [("page 2000", f"page={DEEP_PAGE}"), ("last page", "page=999999")]
            if hasattr(view, "done"):  # review lists: the 已审核 tab
                variants += [("done tab", "tab=done"), ("done p2000", f"tab=done&page={DEEP_PAGE}")]
            pages[view.endpoint] = variants
        if REPORTS in pages:
            pages[REPORTS], pages[f"{REPORTS}/records"] = report_variants()
    return pages


def report_variants():
    """统计报表: each dimension over the latest year with each measure it counts, and the
    drill-down into each dimension's largest row (its first page and a second one)."""
    from models import db
    from services.reports import dimensions as d
    from services.reports import query

    with db.connection_context():
        years = query.periods()[d.YEAR]
        if not years:
            return [("first", "")], []
        months = d.months_of(d.YEAR, years[0])
        reports, drills = [], []
        for dimension in d.DIMENSIONS:
            for measure in d.MEASURES:
                if not d.applies(measure, dimension):
                    continue
                args = f"period=year&value={years[0]}&dimension={dimension}&measure={measure}"
                reports.append((f"{dimension} {measure}", args))
                if measure not in (d.STORED, d.APPLICATIONS):
                    continue
                rows = query.run(dimension, measure, months).rows
                if rows:
                    drills.append((f"{dimension} {measure}", f"{args}&key={quote(rows[0]['key'])}"))
    return reports, drills
