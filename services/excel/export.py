"""导出: a list's query streamed into an ``.xlsx`` through ``ExportColumn``s."""
from services.core import database
from services.excel.columns import DATE, DATETIME, NUMBER
from services.excel.writing import neutralise, write_rows


def _converter(column):
    """A function from a stored value to the exported cell value."""
    if column.convert is not None:
        return lambda v: neutralise(column.convert(v))
    if column.enum is not None:
        labels = {code: str(label) for code, label in column.enum.choices()}
        return lambda v: neutralise(labels.get(v, v)) if isinstance(v, str) else v
    if column.type == DATE:
        return lambda v: v.strftime("%Y-%m-%d") if v else None
    if column.type == DATETIME:
        return lambda v: v.strftime("%Y-%m-%d %H:%M:%S") if v else None
    if column.type == NUMBER:
        return lambda v: v
    return lambda v: None if v is None else neutralise(v if isinstance(v, str) else str(v))


def export_values(query, columns):
    """Rows of exportable cell values of ``query`` (fields replaced by the columns'),
    fetched as tuples one by one."""
    convert = [_converter(c) for c in columns]
    pairs = list(enumerate(convert))
    for record in database.stream(query.select(*(c.field for c in columns)).tuples()):
        yield [fn(record[i]) for i, fn in pairs]


def write_export(path, query, columns, sheet_name="Sheet1", progress=None, every=5000):
    """Stream ``query`` into an ``.xlsx`` at ``path``; returns the row count. ``progress``,
    when given, is told the rows written so far every ``every`` rows."""
    values = export_values(query, columns)
    if progress is not None:
        values = _counted(values, progress, every)
    return write_rows(path, [c.header for c in columns], values, sheet_name=sheet_name)


def _counted(rows, progress, every):
    for count, row in enumerate(rows, start=1):
        if count % every == 0:
            progress(count)
        yield row
