"""The invariants several records share, each decided here once: what a date may be, which
fields a subcategory's schema requires. Services call these; entry points never decide."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from services.records.errors import Message, Refusal
from services.records.validators import id_birth_date

REQUIRED = _l("is required")
FUTURE = _l("cannot be later than today")
BEFORE_BIRTH = _l("cannot be earlier than the learner's date of birth")


def birth_date(id_number: str | None = None, user: Any = None) -> dt.date | None:
    """A learner's date of birth: the account's, else the one a mainland ID number holds."""
    if user is not None and getattr(user, "birth_date", None):
        return user.birth_date
    number = id_number or (user.id_number if user is not None else None)
    if number and len(number) == 18 and number[:17].isdigit():
        return id_birth_date(number)
    return None


def date_problem(value: dt.date | None, birth: dt.date | None = None, today: dt.date | None = None) -> Message | None:
    """Why ``value`` cannot be the date a learner obtained something; None when it can."""
    if value is None:
        return None
    if value > (today or dt.date.today()):
        return FUTURE
    if birth is not None and value < birth:
        return BEFORE_BIRTH
    return None


def check_date(refusals: list[Refusal], field: str, label: Message, value: dt.date | None,
               birth: dt.date | None = None, today: dt.date | None = None) -> None:
    problem = date_problem(value, birth, today)
    if problem is not None:
        refusals.append(Refusal(problem, field, label, code="date"))


def present(value: object) -> bool:
    return value not in (None, "") and not (isinstance(value, str) and not value.strip())


def schema_refusals(specs: Iterable[Mapping[str, Any]], values: Mapping[str, Any], birth: dt.date | None = None,
                    prefix: str = "fields.") -> list[Refusal]:
    """The refusals of a subcategory's schema fields ``specs`` given their ``values``
    ({name: value}, dates as dates or ISO text): a required field left empty, a date in the
    future or before the learner's birth."""
    refusals: list[Refusal] = []
    for spec in specs:
        value = values.get(spec["name"])
        field = prefix + spec["name"]
        label = spec.get("label") or spec["name"]
        if not present(value):
            if spec.get("required"):
                refusals.append(Refusal(REQUIRED, field, label, code="required"))
            continue
        if spec.get("type") == "date" and spec.get("past", True):
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            check_date(refusals, field, label, day, birth)
    return refusals
