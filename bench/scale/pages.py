"""Which pages the scale benchmark times, found from the app itself: every admin list of
every demo role (Flask-Admin's registered views) with its first page, each filter, every
sortable header in both directions, searches (the commonest surname's one-character
prefix, a two-character prefix, a full name, a whole ID number and phone number), page
2 000 and the last page, and each tab the list's page links to (read from the page:
first page, every sort, the one-character search, page 2 000); each role's home; the
heavy learner's pages, their sorts and last pages, and 学分账户. A list, filter, sort or
tab added later is timed too."""
import re
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
                 "/me/inbox", "/me/credits", "/me/record", "/me/record/statements")
REPORTS = "center_reports"
DEEP_PAGE = 1999  # Flask-Admin pages count from 0: page 2 000
# Values for the filters that take typed text rather than an option, by the filtered column.
DATETIME_VALUES = {
    "DateTimeEqualFilter": "2024-06-01 00:00:00", "DateTimeNotEqualFilter": "2024-06-01 00:00:00",
    "DateTimeGreaterFilter": "2025-01-01 00:00:00", "DateTimeSmallerFilter": "2024-01-01 00:00:00",
    "DateTimeBetweenFilter": "2024-01-01 00:00:00 to 2024-06-30 23:59:59",
    "DateTimeNotBetweenFilter": "2024-01-01 00:00:00 to 2024-06-30 23:59:59",
    "DateFilter": "2024-06-01",
}


def text_values(sample):
    """What a person types into a text filter of each column (learner name, ID number, …)."""
    return {"learner": learner_name(sample), "achievement": learner_id_number(sample), "rule": "2025000000",
            "institution": "规模测试学院01", "user": "center", "catalogue": "规模成果00012"}


def list_views(app):
    return [view for view in fa.registered_views(app.extensions["admin"][0]) if isinstance(view, BaseModelView)]


def _filter_variants(view, sample):
    variants = []
    texts = text_values(sample)
    for index, flt in enumerate(fa.list_filters(view)):
        options = flt.get_options(view)
        column = getattr(flt.column, "name", str(flt.column))
        value = options[0][0] if options else DATETIME_VALUES.get(type(flt).__name__, texts.get(column))
        if value is not None:
            variants.append((f"filter {index} {column}", f"flt0_{index}={quote(str(value))}"))
    return variants


def _search_variants(view, sample):
    fields = {f.name: f for f in fa.search_fields(view)}
    name = learner_name(sample)
    variants = []
    if "real_name" in fields:
        variants += [("search 1 char", name[:1]), ("search 2 chars", name[:2]), ("search name", name)]
    elif set(fields) - {"id_number", "phone"}:  # a list searched by numbers only has no name search
        term = "规模成果0012" if "name" in fields else "规模"
        variants += [("search 1 char", term[:1]), ("search text", term)]
    if "id_number" in fields:
        variants.append(("search ID", learner_id_number(sample)))
    if "phone" in fields:
        variants.append(("search phone", learner_phone(sample)))
    return [(variant, "search=" + quote(term)) for variant, term in variants]


def admin_pages(app, sample):
    """{endpoint: [(variant, query string)]} for every admin list, but the sorts and tabs,
    which ``list_variants`` reads from the list's page."""
    pages = {}
    with app.test_request_context("/admin/"):
        for view in list_views(app):
            pages[view.endpoint] = [
                ("first", ""), *_filter_variants(view, sample), *_search_variants(view, sample),
                ("page 2000", f"page={DEEP_PAGE}"), ("last page", "page=999999"),
            ]
        if REPORTS in pages:
            pages[REPORTS], pages[f"{REPORTS}/records"] = report_variants()
    return pages


def report_variants():
    """统计报表: each dimension over the busiest year with each measure it counts, and the
    drill-down into each dimension's largest row (its first page and a second one)."""
    from models import db
    from services.reports import dimensions as d
    from services.reports import query

    with db.connection_context():
        years = query.periods()[d.YEAR]
        if not years:
            return [("first", "")], []
        # The year with the most stored achievements: the generated data's latest year has
        # only the last days' (58 at 100 000), whose drill-downs would show a few rows
        # there and a full page at 1 000 000 — no size to compare with.
        year = max(years, key=lambda y: query.run(d.INSTITUTION, d.STORED, d.months_of(d.YEAR, y)).total or 0)
        months = d.months_of(d.YEAR, year)
        reports, drills = [], []
        for dimension in d.DIMENSIONS:
            for measure in d.MEASURES:
                if not d.applies(measure, dimension):
                    continue
                args = f"period=year&value={year}&dimension={dimension}&measure={measure}"
                reports.append((f"{dimension} {measure}", args))
                if measure not in (d.STORED, d.APPLICATIONS):
                    continue
                rows = query.run(dimension, measure, months).rows
                if rows:
                    drills.append((f"{dimension} {measure}", f"{args}&key={quote(rows[0]['key'])}"))
    return reports, drills


def _links(path, page):
    """The query strings of the links on ``page`` back to ``path`` (its sort headers, tabs
    and pager)."""
    hrefs = re.findall(r'href="([^"]*)"', page.replace("&amp;", "&"))
    return [href.split("?", 1)[1] for href in hrefs if "?" in href and href.split("?", 1)[0].endswith(path)]


def _argument(query, name):
    found = re.search(rf"(?:^|&){name}=([^&]*)", query)
    return found.group(1) if found else None


def sorts_on(path, page):
    """Both directions of every sort header on the page: Flask-Admin's ``sort=N`` (and
    ``&desc=1``), the blueprints' ``sort=key`` (and ``-key``)."""
    variants = []
    for value in dict.fromkeys(_argument(q, "sort") for q in _links(path, page)):
        if not value:
            continue
        if value.isdigit():
            variants += [(f"sort {value}", f"sort={value}"), (f"sort {value} desc", f"sort={value}&desc=1")]
        else:
            key = value.lstrip("-")
            variants += [(f"sort {key}", f"sort={key}"), (f"sort -{key}", f"sort=-{key}")]
    return variants


def tabs_on(path, page):
    """The ``tab=`` values the page links to on its own path."""
    return [tab for tab in dict.fromkeys(_argument(q, "tab") for q in _links(path, page)) if tab]


def pagers_on(path, page):
    """The page arguments of the page's pagers (``page``, or ``apage`` of a second list)."""
    return sorted({name for q in _links(path, page) for name in re.findall(r"(?:^|&)(a?page)=", q)})


def list_variants(get, app, endpoint, variants, sample):
    """Every variant of an admin list: ``variants`` (admin_pages), each sort header on its
    first page in both directions, and for each tab the page links to: its first page,
    each sort header on it, the one-character search and page 2 000. ``get(path)`` gives
    a page's HTML (None when the role may not open it)."""
    path = f"/admin/{endpoint}/"
    first = get(path)
    if first is None:
        return []
    found = [*variants, *sorts_on(path, first)]
    searches = [v for v in variants if v[0] == "search 1 char"]
    for tab in tabs_on(path, first):
        page = get(f"{path}?tab={tab}") or ""
        for name, query in [("first", ""), *sorts_on(path, page), *searches, ("page 2000", f"page={DEEP_PAGE}")]:
            sort = _argument(query, "sort")
            query = query if sort is None else "&".join(p for p in query.split("&") if not p.startswith("tab="))
            found.append((f"tab {tab} {name}", f"tab={tab}" + (f"&{query}" if query else "")))
    return found


def learner_pages(path, page):
    """A learner page's variants: the first page, every sort on it, the last page of each
    of its lists."""
    return [("first", ""), *sorts_on(path, page), *((f"last {name}", f"{name}=999999") for name in pagers_on(path, page))]
