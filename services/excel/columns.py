"""What an import kind is made of: column types, ``Column`` and ``ExportColumn``, the
parsed ``Row`` and the error that refuses a whole file. Every other module of the
package speaks in these terms."""
from dataclasses import dataclass

from flask_babel import gettext as _

# Column types
TEXT, ID_NUMBER, MOBILE, EMAIL, DATE, ENUM, NUMBER = "text", "id_number", "mobile", "email", "date", "enum", "number"
DATETIME = "datetime"  # export only


class ImportFileError(ValueError):
    """The whole file is refused (not a spreadsheet, empty, too large, headers missing)."""


@dataclass(frozen=True)
class Column:
    """One column of an import kind. ``key`` names the value in ``Row.values``;
    ``options`` are the labels an enumeration accepts and ``codes`` what is stored
    for each (defaults to the label)."""

    key: str
    header: str
    type: str = TEXT
    required: bool = False
    options: tuple = ()
    codes: tuple = ()
    max_length: int = 200
    future: bool = False  # dates may lie in the future
    note: str = ""  # shown on the template's instruction sheet

    def stored(self, label):
        return self.codes[self.options.index(label)] if self.codes else label


@dataclass(frozen=True)
class ExportColumn:
    """One exported column: a header and a peewee field or expression of the view's
    query. ``enum`` (a ``models.Choices``) turns stored codes into labels."""

    header: str
    field: object
    type: str = TEXT
    enum: object = None  # a models.Choices subclass
    convert: object = None  # or a function from the stored value to the cell's text


class Row:
    """One data row: its spreadsheet row number, parsed values by column key, display
    texts in column order, errors."""

    __slots__ = ("number", "values", "texts", "errors")

    def __init__(self, number, values, texts, errors):
        self.number, self.values, self.texts, self.errors = number, values, texts, errors


def refuse_for(row, refusals):
    """Add a domain service's refusals (services.records) to a row, numbered as rows are."""
    from services.records.errors import row_message

    for refusal in refusals:
        if not row.errors:
            row.errors = []
        row.errors.append(row_message(row.number, refusal))


def refuse(row, column, problem):
    if not row.errors:
        row.errors = []  # rows start with a shared empty tuple: most are never refused
    row.errors.append(_("Row %(row)s %(column)s %(problem)s", row=row.number, column=column.header, problem=problem))
