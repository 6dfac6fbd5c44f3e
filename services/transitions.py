"""The one place a status is written (README, "State changes").

Every model with a status declares its moves once, beside its fields
(``STATES = StateMachine(field, {from: {to, …}})``, models/). ``move`` changes a status
by a conditional UPDATE on the states the machine allows to reach the target (``… WHERE
status IN (sources)``), inside a transaction together with its audit entry: of two people
acting at once on the same row exactly one wins, and a move the machine does not declare
touches nothing. ``initial`` gives an unsaved row its first state. tests/workflow/
test_transitions.py fails when a status is written anywhere else.
"""
from collections.abc import Collection, Iterable
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from peewee import Expression

from models import StateMachine
from models.base import BaseModel
from services import audit as audit_log
from services.database import transaction

REFUSED = _l("This record has already changed; reload the page and try again")
Row = TypeVar("Row", bound=BaseModel)


class TransitionRefused(Exception):
    """The row was not in a state that may move to the target; ``str()`` is the message."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else REFUSED


def machine(model: type[BaseModel]) -> StateMachine:
    """The state machine ``model`` declares (AttributeError for a model without a status)."""
    states: StateMachine = getattr(model, "STATES")  # noqa: B009  (not every model declares one)
    return states


def move(target: BaseModel | type[BaseModel], to: str, *, expected: Collection[str] | None = None,
         where: Iterable[Expression] = (), changes: dict[Any, Any] | None = None, refusal: object = None,
         error: type[Exception] = TransitionRefused, audit: str | None = None, user: Any = None,
         **details: Any) -> int:
    """Move ``target`` to the state ``to``; returns the number of rows moved.

    ``target`` is a row (one conditional UPDATE by its key: 0 rows raises ``error(refusal)``,
    1 row writes the audit entry ``audit`` with ``details`` and sets the row's status) or a
    model class with ``where`` conditions (a set-based move of every matching row that may
    move; no error, no audit). ``expected`` narrows the machine's source states (it must
    name declared ones); ``changes`` are other columns written in the same UPDATE."""
    row, model = (None, target) if isinstance(target, type) else (target, type(target))
    states = machine(model)
    field = model._meta.fields[states.field]
    conditions = [field.in_(states.sources(to, expected)), *where]
    if row is not None:
        conditions.append(model._meta.primary_key == row._pk)
    with transaction():
        moved = model.update({field: to, **(changes or {})}).where(*conditions).execute()
        if row is not None:
            if moved != 1:
                raise error(refusal or REFUSED)
            if audit:
                audit_log.record(audit, row, user=user, **details)
    if row is not None:
        setattr(row, states.field, to)
    return moved


def move_each(model: type[BaseModel], to: str, *, expected: Collection[str] | None = None,
              where: Iterable[Expression] = (), changes: dict[Any, Any] | None = None) -> list[Any]:
    """A set-based ``move`` that returns the ids of the rows it moved (UPDATE … RETURNING):
    of two callers moving overlapping rows at once, each learns exactly the rows it won."""
    states = machine(model)
    field = model._meta.fields[states.field]
    query = model.update({field: to, **(changes or {})}).where(field.in_(states.sources(to, expected)), *where)
    with transaction():
        return [row._pk for row in query.returning(model._meta.primary_key).execute()]


def initial(row: Row, state: str) -> Row:
    """The first state of a row not saved yet (creation may choose any declared state)."""
    states = machine(type(row))
    if row._pk is not None:
        raise ValueError(f"{type(row).__name__} {row._pk} exists: its {states.field} changes through move()")
    if state not in states.states():
        raise ValueError(f"{state!r} is not a state of {type(row).__name__}")
    setattr(row, states.field, state)
    return row
