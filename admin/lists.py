"""How every admin list reads its page, so that it costs the same at a thousand rows and
at a million. Flask-Admin's own ``get_list`` counts through the display joins,
searches with ``LIKE '%term%'`` on every column and pages with an unbounded OFFSET over
the joined rows; here:

- the count runs on the base table (``get_count_query``: the view's scope and filters,
  no display joins) and stops at ``MAX_ROWS`` ("2000+", as search engines and mature admin
  tools stop at a thousand or two: 100 pages of 20 are more than anyone pages through);
- the page is chosen by ids on the base table (filter + sort + LIMIT/OFFSET, which an
  index serves) and only those 20 rows are joined for display — reading only the columns
  they show where a list joins several wide tables (``display_columns``); OFFSET never
  exceeds ``MAX_ROWS``: deeper pages are reached by searching or filtering;
- a full ID number or mobile number is matched exactly (through the unique index); in
  the tables that grow with the learners (``GROWING_MODELS``) any other term matches as a
  prefix (``GLOB 'term*'`` on SQLite, ``LIKE 'term%'`` with a
  ``text_pattern_ops`` index on PostgreSQL), which a B-tree index serves on both — a
  contains search (``%term%``) cannot use one, and FTS5/pg_trgm would index names twice
  differently on the two databases for a box people type the start of a name into;
- a column of another table is searched through its foreign key
  (``learner_id IN (SELECT id FROM user WHERE real_name …)``), not a join;
- a one-character search (a surname: 王 is ≈ 7 % of all learners, 14 000 of 200 000) is
  answered in the searched column's order from its index: on the list's own table the
  matches are read in that order and counted up to ``SHORT_PREFIX_ROWS``; through a
  foreign key (an application's learner) the first ``SHORT_PREFIX_NAMES`` names in
  order are looked through, their matches counted up to ``SHORT_PREFIX_ROWS`` too; the
  count is a window over those matches in the statement that picks the page. The page
  says so under the search box. Sorted by any other
  column, every match would have to be found and sorted — a cost that grows with the
  table.
"""
import functools
import operator

from flask_babel import lazy_gettext as _l
from peewee import SQL, ForeignKeyField, NodeList, Select, SqliteDatabase, fn

from admin import flask_admin_adapter as fa
from models import db
from services.records.validators import check_id_number, check_mobile

# Deeper pages cost their OFFSET: at 2 000 a deep page costs the same at 100 000 rows as at
# a million (the scale benchmark's growth target), and people filter or search instead.
MAX_ROWS = 2_000
EXACT_FIELDS = {"id_number": "id", "phone": "mobile"}
# Tables that grow with the learners: their text columns are searched by prefix. The
# others (catalogue, institutions, rules, articles: thousands of rows) keep a contains
# search, which reads them whole but costs a few milliseconds.
GROWING_MODELS = frozenset({"User", "LearnerAchievement", "Application", "ReviewRecord", "AuditLog", "SmsOutbox",
                            "Message", "Feedback"})


# A one-character search counts its matches up to here (10 pages); through a foreign key
# it looks through this many names (and counts their matches up to SHORT_PREFIX_ROWS).
SHORT_PREFIX_ROWS = 200
SHORT_PREFIX_NAMES = 1000


def short_prefix_note(names):
    """What the count of a one-character search means, said under the search box."""
    if names:
        return _l("A one-character search looks through the first %(names)s names in name order only and "
                  "counts at most %(rows)s of their matches: “%(rows)s+” means there are more. "
                  "Type more of the name to search them all.", names=SHORT_PREFIX_NAMES, rows=SHORT_PREFIX_ROWS)
    return _l("A one-character search lists the matches in name order and counts at most %(rows)s of them: "
              "“%(rows)s+” means there are more. Type more to narrow them down.", rows=SHORT_PREFIX_ROWS)


class CappedCount(int):
    """A count that stopped at the cap: pages are computed from it, it shows as "2000+".
    ``note`` (shown under the search box) says what the cap means when it is not the
    usual one."""

    note = None

    def __str__(self):
        return f"{int(self)}+"


class Counted(int):
    """An exact count carrying a note, like CappedCount."""

    note = None


def capped_count(query, cap=MAX_ROWS, note=None):
    """How many rows ``query`` has, reading at most ``cap`` + 1 of them."""
    found = query.order_by().limit(cap + 1).count()
    count = CappedCount(cap) if found > cap else Counted(found)
    count.note = note
    return count


def exact_term(kind, term):
    """The stored form of ``term`` when it is a whole ID number or mobile number, else None."""
    if kind == "id":
        value = term.strip().upper()
        return value if check_id_number(value) is None else None
    value = term.strip()
    return value if check_mobile(value) is None else None


def prefix_condition(field, term):
    """``field`` starts with ``term``, in the form each database's B-tree index serves."""
    if isinstance(db.obj, SqliteDatabase):
        # GLOB is case-sensitive and uses the column's index; [x] quotes a wildcard.
        escaped = "".join(f"[{c}]" if c in "*?[" else c for c in term)
        return NodeList((field, SQL("GLOB"), escaped + "*"))
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return NodeList((field, SQL("LIKE"), escaped + "%"))


def name_order(field):
    """Order by ``field`` as the index its prefix search uses orders it: SQLite's index on
    the column; on PostgreSQL the ``text_pattern_ops`` index (byte order, ``~<~``)."""
    if isinstance(db.obj, SqliteDatabase):
        return field
    return NodeList((field, SQL("USING ~<~")))


def rare(condition):
    """``condition`` marked as selective for SQLite's planner, which has no per-value
    statistics: without the hint it walks the list's sort index and tests every row
    rather than looking the few matches up in the searched column's index."""
    if isinstance(db.obj, SqliteDatabase):
        return fn.likelihood(condition, SQL("0.001"))
    return condition


def common(condition):
    """``condition`` marked as true for nearly every row (e.g. "is a learner"), so that
    SQLite does not pick its index over the one that serves the list's filter and sort."""
    if isinstance(db.obj, SqliteDatabase):
        return fn.likelihood(condition, SQL("0.9999"))
    return condition


def one_of(model, conditions, within=None):
    """The ids of ``model`` rows meeting any of ``conditions``, one indexed SELECT each;
    ``within``: a function narrowing each SELECT (a list's scope)."""
    selects = [(within or (lambda query: query))(model.select(model._meta.primary_key)).where(condition)
               for condition in conditions]
    union = selects[0]
    for select in selects[1:]:
        union = union | select  # peewee's UNION (distinct)
    return union


class ListQueryMixin:
    """The list query of ``SecureModelView``; see the module docstring."""

    max_rows = MAX_ROWS
    # A search usually keeps few of the list's rows, so its matches are looked up first
    # (``rare``); a list that is itself a small part of its table (flagged rows read
    # through a partial index) sets False: its few rows are tested one by one instead.
    search_narrows = True
    # A list that is a large part of its table (an institution's half of every stored
    # achievement) also narrows each searched column's part of the union to its scope:
    # its index then finds the list's matches alone, not every namesake's rows to be
    # looked up one by one and dropped (views set it with an index that serves it).
    search_in_scope = False

    def get_count_query(self):
        """The rows of the list without its display joins (views whose scope needs a
        join override this)."""
        return self.scope(self.model.select(self.model._meta.primary_key))

    # --- search -------------------------------------------------------------------------

    def field_search(self, field, term):
        """The condition ``field`` matches ``term``, or None when it cannot."""
        kind = EXACT_FIELDS.get(field.name)
        if kind:
            value = exact_term(kind, term)
            return None if value is None else field == value
        if field.model.__name__ in GROWING_MODELS:
            return prefix_condition(field, term)
        return field.contains(term)

    def search_condition(self, term):
        """Any searchable column matches ``term``; other tables' columns through the key.

        On the tables that grow with the learners, several columns are asked as one
        ``id IN (SELECT id … UNION SELECT id …)``: each part is looked up in its column's
        index, where ``a LIKE … OR b LIKE …`` makes both databases walk the list's sort
        index and test every row (900 ms at 200 000 learners). Small tables, and lists of
        a few flagged rows, test each row with one OR instead."""
        fields = fa.search_fields(self)
        exact = [f for f in fields if EXACT_FIELDS.get(f.name) and exact_term(EXACT_FIELDS[f.name], term)]
        if exact:
            # A whole ID or mobile number is looked up in its unique index only: an OR
            # with the name prefixes would make the database read the list instead.
            fields = exact
        matches = {}
        for field in fields:
            match = self.field_search(field, term)
            if match is not None and (field.model is self.model or self._foreign_key_to(field.model) is not None):
                matches.setdefault(field.model, []).append(match)
        through_keys = [self._foreign_key_to(model).in_(one_of(model, conditions))
                        for model, conditions in matches.items() if model is not self.model]
        own = matches.get(self.model, [])
        if not own and not through_keys:
            return SQL("1 = 0")
        growing = self.model.__name__ in GROWING_MODELS
        pk = self.model._meta.primary_key
        if len(own) + len(through_keys) == 1:
            condition = (own + through_keys)[0]
        elif growing and self.search_narrows:
            # Own columns and other tables' alike as one union of the list's ids: an OR of
            # "name starts with" and "learner_id IN (…)" makes both databases read the
            # whole scope (an institution's 400 000 achievements) and test each row.
            condition = pk.in_(one_of(self.model, own + through_keys, self.scope if self.search_in_scope else None))
        else:
            # Its rows are tested one by one: a list that is a few flagged rows of its table
            # (see search_narrows), or a small table read whole by a contains search (one
            # pass with an OR, not a pass per column).
            if growing and len(own) > 1:
                own = [pk.in_(one_of(self.model, own))]
            condition = functools.reduce(operator.or_, own + through_keys)
        return rare(condition) if self.search_narrows else condition

    def short_name_field(self, search):
        """The prefix-searched column (a name: ``real_name`` first) a one-character
        ``search`` is answered from in that column's order; None for any other search."""
        terms = (search or "").split()
        if len(terms) != 1 or len(terms[0]) != 1 or not fa.search_enabled(self):
            return None
        fields = [field for field in fa.search_fields(self)
                  if field.model.__name__ in GROWING_MODELS and field.name not in EXACT_FIELDS and (
                      field.model is self.model or self._foreign_key_to(field.model) is not None)]
        return next((f for f in fields if f.name == "real_name"), fields[0] if fields else None)

    def _foreign_key_to(self, model):
        for field in self.model._meta.sorted_fields:
            if isinstance(field, ForeignKeyField) and field.rel_model is model:
                return field
        return None

    # --- the list -----------------------------------------------------------------------

    def _narrowed(self, query, search, filters, joins):
        if fa.search_enabled(self) and search:
            for term in search.split():
                query = query.where(self.search_condition(term))
        for index, _name, value in filters or ():
            flt = fa.list_filter(self, index)
            query = fa.join_for(self, query, flt.column, joins)
            query = flt.apply(query, flt.clean(value))
        return query

    def _ordering(self, sort_column, sort_desc):
        if sort_column is not None:
            return [(fa.sort_field(self, sort_column), sort_desc)]
        return fa.default_order(self)

    def _order(self, query, order, joins):
        """``order`` as is: the index a list's sort uses orders equal values by row id
        already (SQLite) or by their place in the table (PostgreSQL), so pages are
        stable, and an ``id`` tie-break would keep a composite index from serving the sort."""
        return fa.order_query(self, query, joins, order)

    def _short_prefix_walk(self, field, term, filters):
        """The list's rows starting with the one character ``term`` in ``field``'s order, at
        most SHORT_PREFIX_ROWS + 1 of them, as a subquery of (pk, name, name's row id): on
        the list's own table its rows in the column's order; through a foreign key the rows
        of the first SHORT_PREFIX_NAMES names in order (a subquery of that many, walked from
        the name index, each looked up in the list: a join, which stops at the cap — as an
        IN or unbounded both databases read the whole scope instead, a teaching point's
        44 000 pending applications hashed to meet 1 000 names)."""
        pk = self.model._meta.primary_key
        query = self._narrowed(self.get_count_query(), None, filters, set())
        if field.model is self.model:
            walk = (query.select(pk.alias("pk"), field.alias("name"), pk.alias("nid"))
                    .where(prefix_condition(field, term)).order_by(name_order(field), pk))
        else:
            names = (field.model.select(field.model._meta.primary_key.alias("id"), field.alias("name"))
                     .where(prefix_condition(field, term))
                     .order_by(name_order(field), field.model._meta.primary_key).limit(SHORT_PREFIX_NAMES)).alias("names")
            walk = (query.select(pk.alias("pk"), names.c.name.alias("name"), names.c.id.alias("nid"))
                    .join(names, on=(self._foreign_key_to(field.model) == names.c.id))
                    .order_by(name_order(names.c.name), names.c.id, pk))
        return walk.limit(SHORT_PREFIX_ROWS + 1).alias("walk")

    def get_short_list(self, field, page, search, filters, page_size):
        """A one-character search (``short_name_field``): in the column's order, counted up
        to SHORT_PREFIX_ROWS — among the first SHORT_PREFIX_NAMES names through a foreign
        key — by a window over the walk in the statement that picks the page."""
        walk = self._short_prefix_walk(field, search.strip(), filters)
        page_size = page_size or self.page_size
        ordered = (Select([walk], [walk.c.pk, fn.COUNT(SQL("*")).over()]).bind(db.obj)
                   .order_by(name_order(walk.c.name), walk.c.nid, walk.c.pk))
        offset = min(page or 0, (SHORT_PREFIX_ROWS - 1) // page_size) * page_size
        rows = list(ordered.limit(page_size).offset(offset).tuples())
        if not rows and offset:  # past the last match: its last page
            found = Select([walk], [fn.COUNT(SQL("*"))]).bind(db.obj).scalar() or 0
            offset = max(0, (min(found, SHORT_PREFIX_ROWS) - 1) // page_size) * page_size
            rows = list(ordered.limit(page_size).offset(offset).tuples()) if found else []
        found = rows[0][1] if rows else 0
        count = CappedCount(SHORT_PREFIX_ROWS) if found > SHORT_PREFIX_ROWS else Counted(found)
        count.note = short_prefix_note(field.model is not self.model)
        chosen = [row[0] for row in rows[:max(0, min(page_size, count - offset))]]
        if not chosen:
            return count, []
        place = {row_id: index for index, row_id in enumerate(chosen)}
        rows = self._shown(self.get_query()).where(self.model._meta.primary_key.in_(chosen)).order_by()
        return count, sorted(rows, key=lambda row: place[row._pk])

    def _few_matches_page(self, ids, order, limit, offset):
        """(the page's ids, how many rows match — ``max_rows`` + 1 meaning more) for a
        search or narrowing filter, in one statement: the matches found first in a
        subquery whose LIMIT keeps the planner from folding it in, counted by a window
        over it, then sorted. Otherwise the planner walks the list's order index hoping to
        meet the matches early, and reads most of the list when they are few (a name's 40
        applications among a teaching point's 17 000: 120 ms). SQLite does the same despite
        ``rare`` when the list is sorted (an ID number's one achievement among an
        institution's 400 000: 150 ms, 2 ms here). A count of its own would look the
        matches up a second time (the namesakes of a name at a million: 2 ms). The count
        is None when the page is past the last match."""
        fields = [(getattr(self.model, f) if isinstance(f, str) else f, desc) for f, desc in order]
        pk = self.model._meta.primary_key
        few = ids.select(pk.alias("pk"), *(field.alias(f"o{i}") for i, (field, _desc) in enumerate(fields)))
        few = few.order_by().limit(self.max_rows + 1).alias("few")
        keys = [getattr(few.c, f"o{i}") for i in range(len(fields))]
        query = (Select([few], [few.c.pk, fn.COUNT(SQL("*")).over()]).bind(db.obj)
                 .order_by(*(key.desc() if desc else key.asc() for key, (_f, desc) in zip(keys, fields, strict=True)),
                           few.c.pk.desc()))
        rows = list(query.limit(limit).offset(offset).tuples())
        return [row[0] for row in rows], (rows[0][1] if rows else None)

    def _page_of_few(self, ids, order, page, page_size):
        """(count, the page's ids) of a narrowed list from ``_few_matches_page``; the ids
        are None when more than ``max_rows`` match (the list's order index then pages
        them: the count is capped); None when the page asked for is past the last match
        (counted, then asked again)."""
        offset = min(page or 0, (self.max_rows - 1) // page_size) * page_size
        chosen, found = self._few_matches_page(ids, order, page_size, offset)
        if found is None:
            return (Counted(0), []) if not offset else None
        if found > self.max_rows:
            return CappedCount(self.max_rows), None
        return Counted(found), chosen

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        short = self.short_name_field(search)
        if short is not None and execute and (page_size is None or page_size):
            return self.get_short_list(short, page, search, filters, page_size)
        order = self._ordering(sort_column, sort_desc)
        joins = set()
        query = self._narrowed(self.get_query(), search, filters, joins)
        query, joins = self._order(query, order, joins)
        if not execute:  # the export streams every matching row itself
            return None, query

        count_joins = set()
        ids = self._narrowed(self.get_count_query(), search, filters, count_joins)
        if page_size is None:
            page_size = self.page_size
        own_sort = all(isinstance(f, str) or getattr(f, "model", None) is self.model for f, _desc in order)
        by_ids = own_sort and not count_joins
        # A search (or a filter that narrows) keeps few of the list's rows: they are found,
        # counted and paged at once; when more than max_rows match, the list is paged in
        # its order like any other.
        narrowed = (search and self.search_narrows) or any(
            getattr(fa.list_filter(self, index), "narrows", False) for index, _name, _value in filters or ())
        few = None
        if by_ids and narrowed and page_size and not self.simple_list_pager:
            few = self._page_of_few(ids, order, page, page_size)
        if few is None:
            count = None if self.simple_list_pager else capped_count(ids, self.max_rows)
        else:
            count, chosen = few
            if chosen is not None:
                return count, self._display(chosen, order)
        if not page_size:
            return count, list(query)
        reachable = min(self.max_rows if count is None else count, self.max_rows)
        offset = min(page or 0, max(0, (reachable - 1) // page_size)) * page_size
        page_size = max(1, min(page_size, reachable - offset))  # the capped list ends at max_rows
        if not by_ids:
            return count, list(self._shown(query).limit(page_size).offset(offset))
        if narrowed and not isinstance(count, CappedCount):  # past the last match: its last page
            chosen, _found = self._few_matches_page(ids, order, page_size, offset)
        else:
            # Pick the page's ids on the base table (an index serves filter + sort).
            ids, _joins = self._order(ids, order, set())
            chosen = [row[0] for row in ids.limit(page_size).offset(offset).tuples()]
        return count, self._display(chosen, order)

    def display_columns(self):
        """The columns the list's rows show, or None for every column of the joined tables.
        A list joining several wide tables names them: turning 150 columns a row into
        models was a third of such a page, and made a page of 20 rows cost 1.5× one of 3."""
        return None

    def _display(self, chosen, order):
        """The rows of ``chosen`` ids joined for display, in ``order`` — without the search
        and filters again, which the chosen ids already meet (a name search would look its
        names up twice)."""
        if not chosen:
            return []
        query = self._shown(self.get_query()).where(self.model._meta.primary_key.in_(chosen))
        display, _joins = self._order(query, order, set())
        return list(display)

    def _shown(self, query):
        """``query`` reading the columns the rows show (``display_columns``)."""
        columns = self.display_columns()
        return query if columns is None else query.select(*columns)
