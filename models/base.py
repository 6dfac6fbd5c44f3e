"""The database proxy, the base model, stored codes with labels (``Choice``/``Choices``) and JSON text."""
import datetime as dt
import hashlib
import json
import re
import weakref
from typing import TYPE_CHECKING, Any

from peewee import (
    AutoField,
    Cast,
    DatabaseProxy,
    Model,
    Node,
    PostgresqlDatabase,
    TextField,
    fn,
)

db = DatabaseProxy()


def now():
    return dt.datetime.now().replace(microsecond=0)


class Choice(str):
    """A stored code that also carries its translatable label: ``Role.LEARNER == "learner"``."""

    def __new__(cls, value, label):
        member = super().__new__(cls, value)
        member.label = label
        return member


class Choices:
    """An enum of stored codes with labels: ``CODE = Choice("code", _l("Label"))``."""

    @classmethod
    def members(cls):
        return [v for k, v in vars(cls).items() if k.isupper() and isinstance(v, Choice)]

    @classmethod
    def codes(cls):
        return [str(m) for m in cls.members()]

    @classmethod
    def choices(cls):
        return [(str(m), m.label) for m in cls.members()]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Looked up by code on every row a list or the API shows: a dict made once.
        cls._by_code = {str(m): m for m in cls.members()}

    @classmethod
    def label(cls, value):
        member = cls._by_code.get(value)
        return member.label if member is not None else (value or "")


class JSONField(TextField):
    """JSON stored as text: portable across SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value):
        return None if value is None else json.loads(value)

    def key_text(self, key):
        """SQL for the text under ``key`` of the stored object, on either database."""
        if "postgres" in type(db.obj).__name__.lower():
            return fn.json_extract_path_text(Cast(self, "json"), key)
        return fn.json_extract(self, f"$.{key}")


class BaseModel(Model):
    """Type checkers do not see what peewee adds to a model class: the ``id`` primary key
    (below) and a foreign key's ``<name>_id`` accessor, declared beside its field
    (``learner_id: int``) where typed code reads it."""

    if TYPE_CHECKING:
        id = AutoField()
        _pk: Any  # the primary key's value (User.get_id answers Flask-Login instead)

    class Meta:
        database = db
        legacy_table_names = False


class StateMachine:
    """The allowed moves of one status field, declared once beside its model as
    ``STATES = StateMachine("status", {from_state: {to_state, …}})``. Only
    ``services.core.transitions.move`` writes a status, and only along these moves."""

    def __init__(self, field, moves):
        self.field = field
        self.moves = {source: frozenset(targets) for source, targets in moves.items()}

    def states(self):
        return set(self.moves) | {target for targets in self.moves.values() for target in targets}

    def allows(self, source, target):
        return target in self.moves.get(source, ())

    def sources(self, target, expected=None):
        """The states a row may be in to move to ``target``; ``expected`` narrows them
        (a caller asking for a move the machine does not declare is a programming error)."""
        allowed = {source for source, targets in self.moves.items() if target in targets}
        if expected is not None:
            undeclared = set(expected) - allowed
            if undeclared:
                raise ValueError(f"{self.field}: {sorted(undeclared)} → {target} is not a declared move")
            allowed = set(expected)
        if not allowed:
            raise ValueError(f"{self.field}: nothing moves to {target}")
        return sorted(allowed)


class _Filled(str):
    """The name of a ``Slot`` kept among a compiled statement's values."""


class Slot(Node):
    """A parameter of a ``Prepared`` statement, filled by name when it runs. A node, so
    peewee writes it as it stands (a plain value would go through the column's
    conversion); the caller passes what the column stores."""

    def __init__(self, name):
        super().__init__()
        self.name = _Filled(name)

    def __sql__(self, ctx):
        return ctx.value(self.name, converter=False)


class _ServerStatement:
    """A ``Prepared`` statement PostgreSQL keeps parsed and planned on each connection
    (PREPARE once per connection, then EXECUTE). A prepared statement outlives the
    transaction it was made in, even one rolled back, so a connection's set of names
    stays true; a connection closed takes its set with it (weak keys)."""

    def __init__(self, sql, count):
        self.name = "cb_" + hashlib.sha1(sql.encode()).hexdigest()[:20]
        numbers = iter(range(1, count + 1))
        # peewee writes %s for each value and %% for a literal % (which the driver turns
        # back into %, as it runs every statement with a tuple of values): number the values.
        text = re.sub(r"%(%|s)", lambda m: "%%" if m.group(1) == "%" else f"${next(numbers)}", sql)
        self.prepare_sql = f"PREPARE {self.name} AS {text}"
        self.execute_sql = f"EXECUTE {self.name} ({', '.join(['%s'] * count)})" if count else f"EXECUTE {self.name}"

    def prepare_on(self, database):
        connection = database.connection()
        names = _PREPARED_ON.get(connection)
        if names is None:
            names = _PREPARED_ON[connection] = set()
        if self.name not in names:
            database.execute_sql(self.prepare_sql)
            names.add(self.name)
        return self.execute_sql


_PREPARED_ON: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def prepares_a_statement(sql):
    """Whether ``sql`` is a ``_ServerStatement``'s PREPARE: a connection's one-time setup,
    which query budgets and the scale benchmark do not count against the page that happened
    to be the connection's first."""
    return sql.startswith("PREPARE cb_")


class Prepared:
    """A query of fixed shape whose SQL text is generated once per kind of database.
    peewee builds a statement's text anew on every execution, which for the session row
    read on every request (three tables, 50 columns) costs as much as running it.
    ``build(**slots)`` returns the query, with a ``Slot`` wherever a value changes; ``run``
    executes the kept text with this call's values and reads rows as the query would."""

    def __init__(self, build, *names, server=False):
        self.build, self.names, self.server = build, names, server
        self._compiled = {}

    def _compile(self, database):
        key = type(database)
        compiled = self._compiled.get(key)
        if compiled is None:
            query = self.build(**{name: Slot(name) for name in self.names})
            sql, params = database.get_sql_context().sql(query).query()
            server = _ServerStatement(sql, len(params)) if self.server and isinstance(database, PostgresqlDatabase) else None
            # The last item is filled by the first run that returns rows: what peewee's
            # cursor wrapper works out from the columns (which the kept text fixes).
            compiled = self._compiled[key] = (query, sql, params, server, {})
        return compiled

    def run(self, **values):
        """The query's rows (model instances, tuples… as the query asks) for ``values``."""
        database = db.obj
        query, sql, params, server, shape = self._compile(database)
        if server is not None and getattr(database, "server_prepared", False):
            sql = server.prepare_on(database)
        cursor = database.execute_sql(sql, [values[p] if isinstance(p, _Filled) else p for p in params])
        # A wrapper per run, as peewee's own execution makes (the kept query and shape are
        # only read, so runs in several threads do not meet); which model and field each
        # column fills is resolved once, from the first run's columns: for the session
        # row's 50 columns that took as long as reading them.
        wrapper = query._get_cursor_wrapper(cursor)
        try:
            rows = cursor.fetchall()
            if rows and not shape:
                before = set(vars(wrapper))
                wrapper.initialize()
                shape.update((name, value) for name, value in vars(wrapper).items() if name not in before)
        finally:
            cursor.close()
        vars(wrapper).update(shape)
        return [wrapper.process_row(row) for row in rows]

    def first(self, **values):
        rows = self.run(**values)
        return rows[0] if rows else None

    def scalar(self, **values):
        row = self.first(**values)
        return row[0] if row else None
