"""Raw-SQL bulk insert and lookup in chunks, for imports and the scale benchmark's data:
peewee's ``insert_many`` and ``IN (...)`` build one Python expression node per value, which
costs more than the statement itself at 100 000 rows."""
import datetime as dt
import itertools
import operator

from peewee import PostgresqlDatabase

from models import db

SQLITE_MAX_VARIABLES = 32766
LOOKUP_CHUNK = 5000  # values per IN (...) lookup


def chunks(values, size):
    """Lists of at most ``size`` items, taken lazily from any iterable."""
    iterator = iter(values)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def insert_chunked(model, rows, returning=(), **same):
    """Bulk insert of dicts with the same keys and database-ready values (any iterable,
    consumed lazily so memory stays flat), in multi-row VALUES pages on both databases;
    ``same`` holds the values every row shares, converted once instead of per row.
    Building the rows with ``insert_many`` costs more than the insert itself; pages stay
    far below SQLite's 32 766 variables per statement (PostgreSQL takes 65 535). With
    ``returning`` (column names) it returns those columns of every row inserted, in no
    particular order. Each page is one statement through ``execute_sql`` (query budgets
    count them)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return []
    keys = list(first)
    fields_ = model._meta.fields
    # Model defaults for the columns not given, as peewee's insert_many would fill them.
    shared = {
        f.name: f.default() if callable(f.default) else f.default
        for f in model._meta.sorted_fields
        if f.name not in first and f.name not in same and f.default is not None
    }
    shared.update(same)
    fields = [fields_[k] for k in [*keys, *shared]]
    table = model._meta.table_name
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    tail = tuple(_bound(fields_[k], v) for k, v in shared.items())
    pick = operator.itemgetter(*keys) if len(keys) > 1 else (lambda r: (r[keys[0]],))
    values = (pick(r) + tail for r in itertools.chain([first], rows))
    # Multi-row VALUES pages: about twice as fast as executemany's row-by-row binding.
    row_marks = "(" + ", ".join([db.param] * len(fields)) + ")"
    page = max(1, SQLITE_MAX_VARIABLES // len(fields))
    head = f'INSERT INTO "{table}" ({columns}) VALUES '
    tail_sql = " RETURNING " + ", ".join(f'"{name}"' for name in returning) if returning else ""
    full_page = head + ", ".join([row_marks] * page) + tail_sql
    found = []
    for chunk in chunks(values, page):
        sql = full_page if len(chunk) == page else head + ", ".join([row_marks] * len(chunk)) + tail_sql
        cursor = db.execute_sql(sql, list(itertools.chain.from_iterable(chunk)))
        if returning:
            found.extend(cursor.fetchall())
    return found


def _bound(field_, value):
    """``value`` as the driver receives it for ``field_``; SQLite stores dates and times
    as the text its default adapter would make of them."""
    value = field_.db_value(value)
    if isinstance(value, dt.date) and not isinstance(db.obj, PostgresqlDatabase):
        return str(value)
    return value


def select_in(fields, in_field, values, **equal):
    """Rows of ``fields`` whose ``in_field`` is one of ``values`` (and whose other
    columns equal ``equal``), looked up in chunks with plain SQL: peewee would build one
    expression node per value."""
    meta = in_field.model._meta
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    extra = "".join(f' AND "{meta.fields[k].column_name}" = {db.param}' for k in equal)
    for part in chunks({v for v in values if v is not None}, LOOKUP_CHUNK):
        marks = ",".join([db.param] * len(part))
        sql = f'SELECT {columns} FROM "{meta.table_name}" WHERE "{in_field.column_name}" IN ({marks}){extra}'
        yield from db.execute_sql(sql, [*part, *equal.values()]).fetchall()


def existing_values(field, values):
    """The subset of ``values`` already stored in ``field``."""
    return {v for (v,) in select_in([field], field, values)}
