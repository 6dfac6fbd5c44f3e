"""Numbers from the outside are checked before any view reads them (issue 14): an id in
the path beyond what the database stores is "not found", a query-string integer out of
the 64-bit range is a bad request, and so is a NUL character anywhere in the input. Views still validate their own arguments; this keeps
an overflow from ever reaching the database driver as a 500."""
import re

from flask import abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

INT64_MAX = 2**63 - 1
INTEGER = re.compile(r"[+-]?\d+")


class Id(IntegerConverter):
    """``<int:…>`` in every route: 0 … 2⁶³−1; anything larger matches no route (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT64_MAX)
        super().__init__(map, *args, **kwargs)


def init(app):
    # Set before any route is added: every <int:…> of the app and of Flask-Admin uses it.
    app.url_map.converters["int"] = Id

    @app.before_request
    def refuse_out_of_range_integers():
        for name, values in request.args.lists():
            for value in values:
                if len(value) > 18 and INTEGER.fullmatch(value.strip()) and abs(int(value)) > INT64_MAX:
                    abort(400, description=str(_l("The number given for “%(name)s” is out of range.", name=name[:40])))
                if "\x00" in value:
                    abort(400)
        # NUL never belongs in text, and PostgreSQL refuses it in every string.
        if request.method == "POST" and any("\x00" in v for vs in request.form.listvalues() for v in vs):
            abort(400)


def db_int(value):
    """``int`` for ``request.args.get(name, type=db_int)``: a value the database can hold,
    else ValueError (so ``get`` returns its default)."""
    number = int(value)
    if not -INT64_MAX <= number <= INT64_MAX:
        raise ValueError("out of range")
    return number
