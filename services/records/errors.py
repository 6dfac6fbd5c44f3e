"""How a domain service says no: one ``Refusal`` per reason, raised together as ``Refused``.

A refusal names the field it concerns (``field``: the key forms, import columns and API
items share, e.g. ``obtained_on`` or ``fields.course_code``), that field's name as the
user reads it (``label``) and the problem. ``str(refusal)`` is the one message every entry
point shows: a form puts it next to the field, an import prefixes its row number, the API
lists it under the item's index.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from services.core import transitions

# What a user reads: a plain string or one of Flask-Babel's lazy strings (untyped there).
Message = Any

MAX_REASON = 500
REASON_TOO_LONG = _l("The reason may have at most 500 characters")


class Refusal:
    __slots__ = ("field", "label", "problem", "code")

    def __init__(self, problem: Message, field: str | None = None, label: Message = "",
                 code: str | None = None) -> None:
        self.field, self.label, self.problem, self.code = field, label, problem, code

    def __str__(self) -> str:
        return f"{self.label} {self.problem}" if self.label else str(self.problem)

    def __repr__(self) -> str:
        return f"Refusal({self.field!r}, {str(self)!r})"


class Refused(transitions.TransitionRefused):
    """A write refused by its domain service; ``refusals`` lists every reason, ``str()``
    joins their messages. ``Refused("message")`` is a refusal of the whole record."""

    def __init__(self, *refusals: Refusal | Message) -> None:
        self.refusals = [r if isinstance(r, Refusal) else Refusal(r) for r in refusals]
        super().__init__(*self.refusals)

    def __str__(self) -> str:
        return "；".join(str(r) for r in self.refusals)

    def on(self, field: str | None) -> list[Refusal]:
        """The refusals of one field."""
        return [r for r in self.refusals if r.field == field]


def refuse_if(refusals: list[Refusal]) -> None:
    """Raise ``Refused`` when the list of refusals is not empty."""
    if refusals:
        raise Refused(*refusals)


def row_message(number: int, refusal: Refusal) -> str:
    """An import row's text of a refusal: "第N行 颁证日期 不能晚于今天"."""
    if refusal.label:
        return _("Row %(row)s %(column)s %(problem)s", row=number, column=refusal.label, problem=refusal.problem)
    return _("Row %(row)s %(problem)s", row=number, problem=refusal.problem)


def require(condition: object, message: Message) -> None:
    """Refuse with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Refused(message)


def reason_of(reason: str | None, missing_message: Message | None = None) -> str:
    """A typed reason, stripped and bounded; required when ``missing_message`` is given."""
    reason = (reason or "").strip()
    if missing_message is not None:
        require(reason, missing_message)
    require(len(reason) <= MAX_REASON, REASON_TOO_LONG)
    return reason
